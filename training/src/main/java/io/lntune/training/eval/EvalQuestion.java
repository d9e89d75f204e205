package io.lntune.training.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One benchmark question as read from its file.
 *
 * @param id the question id as the file has it (a number or a string; written back unchanged), or
 *     the image id for captions
 * @param image the picture
 * @param text the question as the benchmark asks it (before lntune's instruction), empty for
 *     captions
 * @param category the MME subtask or POPE split; empty where the benchmark has none
 * @param truth the right answer where the question file carries it (MME's and POPE's yes or no);
 *     else empty
 * @param where the file and line or element it came from, for error messages
 */
public record EvalQuestion(
    JsonNode id, Path image, String text, String category, Optional<String> truth, String where) {}
