package io.lntune.training.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.training.data.Turn;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Few-shot demonstrations: text-only question/answer pairs put before every question as earlier
 * chat turns (the protocol of the evaluation scripts the paper most likely used: three
 * demonstrations for VQAv2 and captions). The file is a JSON array of {@code {"question": ...,
 * "answer": ...}} objects; the first {@code n} are used, the same for every question.
 *
 * <pre>{@code
 * List<Turn> turns = Shots.read(Path.of("vqav2/shots.json"), 3);   // human, gpt, human, gpt, human, gpt
 * }</pre>
 */
public final class Shots {
  private Shots() {}

  /**
   * @param n how many pairs to take; negative for all
   * @throws EvalDataException naming the file and element if it is malformed or has fewer than
   *     {@code n} pairs
   */
  public static List<Turn> read(Path file, int n) {
    JsonNode array;
    try {
      array = JsonInput.JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new EvalDataException(file + ": cannot read the demonstrations: " + e.getMessage(), e);
    }
    if (array == null || !array.isArray()) {
      throw new EvalDataException(
          file + ": expected a JSON array of {\"question\", \"answer\"} objects");
    }
    int take = n < 0 ? array.size() : n;
    if (take > array.size()) {
      throw new EvalDataException(
          file + ": " + take + " demonstrations asked for, the file has " + array.size());
    }
    List<Turn> turns = new ArrayList<>();
    for (int i = 0; i < take; i++) {
      JsonInput.Located l = new JsonInput.Located(array.get(i), file + ": [" + i + "]");
      turns.add(new Turn(Turn.HUMAN, l.text("question")));
      turns.add(new Turn(Turn.GPT, l.text("answer")));
    }
    return turns;
  }
}
