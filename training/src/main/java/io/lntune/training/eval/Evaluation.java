package io.lntune.training.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.LntuneException;
import io.lntune.training.data.Turn;
import io.lntune.training.distributed.AllGather;
import io.lntune.training.distributed.DistributedGroup;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a benchmark: reads its questions, answers them a batch at a time with a {@link
 * LlavaAnswerer}, writes the answers to {@code answers.jsonl} (LLaVA's answer format: {@code
 * question_id}, {@code prompt}, {@code text}, {@code model_id}, {@code metadata}), then the
 * benchmark's own result files and {@code scores.json} ({@link Scoring}). Only the answers' text is
 * kept between batches. A data-parallel job shares the questions out among its ranks and gathers
 * the answers to rank 0, which writes the same files ({@link #run(Settings, LlavaAnswerer,
 * DistributedGroup)}).
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
   * @param batchSize questions generated together (in a data-parallel job, by each rank)
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
    List<EvalQuestion> questions = questions(s);
    return write(s, questions, answer(s, answerer, questions));
  }

  /**
   * Runs the benchmark as one rank of a data-parallel job. Every rank reads the same questions;
   * question {@code i} (in the files' order, up to the limit) is answered by rank {@code i %
   * worldSize}, in batches of {@code batchSize}; the replies are gathered ({@link AllGather}) and
   * rank 0 writes exactly the files {@link #run(Settings, LlavaAnswerer)} writes, in the questions'
   * order, while the others write nothing and wait for it at a barrier. With greedy decoding the
   * replies are those of a single process, since a batched reply does not depend on the batch.
   *
   * @param group the job; every rank calls this with the same settings
   * @return the scores on rank 0; empty on the other ranks
   * @throws EvalDataException naming the file and line or field of a bad question or annotation
   * @throws LntuneException naming the rank and the operation if another rank failed or did not
   *     answer within the group's timeout
   */
  public static Optional<JsonNode> run(Settings s, LlavaAnswerer answerer, DistributedGroup group) {
    List<EvalQuestion> questions = questions(s);
    int world = group.worldSize();
    List<EvalQuestion> mine = new ArrayList<>();
    for (int i = group.rank(); i < questions.size(); i += world) {
      mine.add(questions.get(i));
    }
    List<byte[]> gathered =
        AllGather.bytes(
            group, encode(answer(s, answerer, mine)), "the answers to " + s.questions());
    Optional<JsonNode> scores = Optional.empty();
    if (group.isMain()) {
      List<List<String>> byRank = gathered.stream().map(Evaluation::decode).toList();
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < questions.size(); i++) {
        replies.add(byRank.get(i % world).get(i / world));
      }
      scores = Optional.of(write(s, questions, replies));
    }
    group.barrier("rank 0 wrote the answers to " + s.questions());
    return scores;
  }

  /**
   * {@return the questions to answer, in the files' order, up to the limit}
   *
   * @throws EvalDataException if a question is bad, an id appears twice, or there are none
   */
  private static List<EvalQuestion> questions(Settings s) {
    List<EvalQuestion> questions = new ArrayList<>();
    Set<JsonNode> ids = new HashSet<>();
    QuestionFiles.read(
        s.benchmark(),
        s.questions(),
        s.images(),
        q -> {
          // MME asks two questions per image under one id; every other benchmark's ids name one
          // question.
          if (s.benchmark() != Benchmark.MME && !ids.add(q.id())) {
            throw new EvalDataException(
                q.where() + ": question id " + q.id() + " appears more than once");
          }
          if (s.limit() == 0 || questions.size() < s.limit()) {
            questions.add(q);
          }
        });
    if (questions.isEmpty()) {
      throw new EvalDataException(s.questions() + ": no questions");
    }
    return questions;
  }

  /** {@return the replies to {@code questions}, in their order, answered a batch at a time} */
  private static List<String> answer(
      Settings s, LlavaAnswerer answerer, List<EvalQuestion> questions) {
    List<String> replies = new ArrayList<>();
    for (int from = 0; from < questions.size(); from += s.batchSize()) {
      List<LlavaAnswerer.Question> batch = new ArrayList<>();
      for (EvalQuestion q :
          questions.subList(from, Math.min(from + s.batchSize(), questions.size()))) {
        batch.add(LlavaAnswerer.Question.about(q.image(), prompt(s, q), s.shots()));
      }
      replies.addAll(answerer.answer(batch));
    }
    return replies;
  }

  private static String prompt(Settings s, EvalQuestion q) {
    return s.benchmark().ask(q.text(), s.instruction());
  }

  /**
   * Writes {@code answers.jsonl} (to a temporary name, which replaces the previous answers only
   * once scoring has succeeded, so that a failed evaluation leaves the last complete results as
   * they were), the benchmark's result files and {@code scores.json}.
   *
   * @return the scores
   */
  private static JsonNode write(Settings s, List<EvalQuestion> questions, List<String> replies) {
    List<Answered> answered = new ArrayList<>();
    Path partial = s.out().resolve(ANSWERS + ".partial");
    try {
      Files.createDirectories(s.out());
      try (BufferedWriter w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
        for (int i = 0; i < questions.size(); i++) {
          EvalQuestion q = questions.get(i);
          Answered a = new Answered(q, prompt(s, q), replies.get(i));
          ObjectNode line = JsonInput.JSON.createObjectNode();
          line.set("question_id", q.id());
          line.put("prompt", a.prompt());
          line.put("text", a.text());
          line.put("model_id", s.modelId());
          ObjectNode meta = line.putObject("metadata");
          if (!q.category().isEmpty()) {
            meta.put("category", q.category());
          }
          w.write(JsonInput.JSON.writeValueAsString(line));
          w.newLine();
          answered.add(a);
        }
      }
    } catch (IOException e) {
      throw new LntuneException(s.out() + ": cannot write the answers: " + e.getMessage(), e);
    }
    JsonNode scores = Scoring.score(s, answered);
    Scoring.replace(partial, s.out().resolve(ANSWERS));
    return scores;
  }

  private static byte[] encode(List<String> replies) {
    try {
      return JsonInput.JSON.writeValueAsBytes(replies);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("writing replies as JSON", e);
    }
  }

  private static List<String> decode(byte[] replies) {
    try {
      return Arrays.asList(JsonInput.JSON.readValue(replies, String[].class));
    } catch (IOException e) {
      throw new IllegalStateException("reading a rank's replies", e);
    }
  }
}
