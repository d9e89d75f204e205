package io.lntune.training.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.LntuneException;
import io.lntune.training.data.Turn;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a benchmark: reads its questions a batch at a time, answers each batch with a {@link
 * LlavaAnswerer}, appends the answers to {@code answers.jsonl} (LLaVA's answer format: {@code
 * question_id}, {@code prompt}, {@code text}, {@code model_id}, {@code metadata}) as they come,
 * then writes the benchmark's own result files and {@code scores.json} ({@link Scoring}). Only the
 * answers' text is kept between batches.
 *
 * <pre>{@code
 * Evaluation.Settings s = new Evaluation.Settings(Benchmark.POPE, Path.of("pope/coco_pope_random.json"),
 *     Path.of("coco/val2014"), Optional.empty(), Path.of("eval/pope"), Benchmark.SHORT_ANSWER, List.of(), 8, 0, "ln-7b");
 * JsonNode scores = Evaluation.run(s, answerer);
 * }</pre>
 */
public final class Evaluation {
  /** The answers file's name in the output directory. */
  public static final String ANSWERS = "answers.jsonl";

  /** The scores file's name in the output directory. */
  public static final String SCORES = "scores.json";

  private Evaluation() {}

  /**
   * What to evaluate and where the results go.
   *
   * @param benchmark which benchmark
   * @param questions its question file (MME: a file or a directory of them)
   * @param images the image folder
   * @param annotations the answers to score against (VQAv2, captions; POPE when labels are not in
   *     the questions); empty to write the answers only
   * @param out the output directory (created)
   * @param instruction appended on a new line to each question, or the caption prompt
   * @param shots text-only demonstrations put before each question, alternating human and gpt
   * @param batchSize questions generated together
   * @param limit the most questions to answer, 0 for all
   * @param modelId written as each answer's {@code model_id}
   */
  public record Settings(
      Benchmark benchmark,
      Path questions,
      Path images,
      Optional<Path> annotations,
      Path out,
      String instruction,
      List<Turn> shots,
      int batchSize,
      int limit,
      String modelId) {
    public Settings {
      Objects.requireNonNull(benchmark, "benchmark");
      Objects.requireNonNull(questions, "questions");
      Objects.requireNonNull(images, "images");
      Objects.requireNonNull(annotations, "annotations");
      Objects.requireNonNull(out, "out");
      Objects.requireNonNull(instruction, "instruction");
      Objects.requireNonNull(modelId, "modelId");
      shots = List.copyOf(shots);
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0 (0 = all), got " + limit);
      }
      if (shots.size() % 2 != 0) {
        throw new IllegalArgumentException(
            "shots must be question/answer pairs, got " + shots.size() + " turns");
      }
    }
  }

  /**
   * One answered question.
   *
   * @param question the question as read
   * @param prompt what was asked (question and instruction)
   * @param text the model's reply
   */
  public record Answered(EvalQuestion question, String prompt, String text) {}

  /**
   * Answers every question (up to the limit) and scores the answers.
   *
   * @return the scores, as written to {@code scores.json}
   * @throws EvalDataException naming the file and line or field of a bad question or annotation
   */
  public static JsonNode run(Settings s, LlavaAnswerer answerer) {
    List<Answered> answered = new ArrayList<>();
    Set<JsonNode> ids = new HashSet<>();
    // Answers go to a temporary name and replace the previous ones only once scoring has succeeded,
    // so that a failed
    // evaluation leaves the last complete results as they were.
    Path partial = s.out().resolve(ANSWERS + ".partial");
    try {
      Files.createDirectories(s.out());
      try (BufferedWriter w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
        List<EvalQuestion> batch = new ArrayList<>();
        Runnable flush =
            () -> {
              answerBatch(s, answerer, batch, answered, w);
              batch.clear();
            };
        try {
          QuestionFiles.read(
              s.benchmark(),
              s.questions(),
              s.images(),
              q -> {
                // MME asks two questions per image under one id; every other benchmark's ids name
                // one question.
                if (s.benchmark() != Benchmark.MME && !ids.add(q.id())) {
                  throw new EvalDataException(
                      q.where() + ": question id " + q.id() + " appears more than once");
                }
                if (s.limit() > 0 && answered.size() + batch.size() >= s.limit()) {
                  return;
                }
                batch.add(q);
                if (batch.size() == s.batchSize()) {
                  flush.run();
                }
              });
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        if (!batch.isEmpty()) {
          flush.run();
        }
      }
    } catch (IOException e) {
      throw new LntuneException(s.out() + ": cannot write the answers: " + e.getMessage(), e);
    }
    if (answered.isEmpty()) {
      throw new EvalDataException(s.questions() + ": no questions");
    }
    JsonNode scores = Scoring.score(s, answered);
    Scoring.replace(partial, s.out().resolve(ANSWERS));
    return scores;
  }

  private static void answerBatch(
      Settings s,
      LlavaAnswerer answerer,
      List<EvalQuestion> batch,
      List<Answered> answered,
      BufferedWriter w) {
    List<LlavaAnswerer.Question> qs = new ArrayList<>();
    List<String> prompts = new ArrayList<>();
    for (EvalQuestion q : batch) {
      String prompt = s.benchmark().ask(q.text(), s.instruction());
      prompts.add(prompt);
      qs.add(LlavaAnswerer.Question.about(q.image(), prompt, s.shots()));
    }
    List<String> replies = answerer.answer(qs);
    try {
      for (int i = 0; i < batch.size(); i++) {
        EvalQuestion q = batch.get(i);
        ObjectNode line = JsonInput.JSON.createObjectNode();
        line.set("question_id", q.id());
        line.put("prompt", prompts.get(i));
        line.put("text", replies.get(i));
        line.put("model_id", s.modelId());
        ObjectNode meta = line.putObject("metadata");
        if (!q.category().isEmpty()) {
          meta.put("category", q.category());
        }
        w.write(JsonInput.JSON.writeValueAsString(line));
        w.newLine();
        answered.add(new Answered(q, prompts.get(i), replies.get(i)));
      }
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
