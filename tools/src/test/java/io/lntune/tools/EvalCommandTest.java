package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llava.TinyLlava;
import io.lntune.training.eval.CiderD;
import io.lntune.training.eval.MmeScore;
import io.lntune.training.eval.PopeScore;
import io.lntune.training.eval.PtbTokenizer;
import io.lntune.training.eval.VqaAccuracy;
import io.lntune.training.synth.SyntheticBenchmarks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune eval} end to end on a tiny random LLaVA and synthetic benchmarks of each format:
 * the answers and scores it writes are read back, and the scores recomputed from the answers.
 */
class EvalCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path model;
  static Path bench;

  @BeforeAll
  static void setUp() throws Exception {
    model = TinyLlava.withLlamaTokenizer(dir);
    bench = new SyntheticBenchmarks(4, 1, 32).write(dir.resolve("bench"));
  }

  /**
   * {@return {@code eval --benchmark pope} on {@code questions} into {@code out}, however it ends}
   */
  private static CliRun popeRun(Path out, Path questions) {
    return CliRun.of(
        EvalArgs.eval(
            "pope", model, bench, "--out", out.toString(), "--questions", questions.toString()));
  }

  private static JsonNode eval(String benchmark, Path out, String... more) throws Exception {
    String[] args =
        EvalArgs.eval(
            benchmark,
            model,
            bench,
            "--out",
            out.toString(),
            "--max-new-tokens",
            "3",
            "--batch-size",
            "3");
    CliRun run =
        CliRun.of(Stream.concat(Arrays.stream(args), Arrays.stream(more)).toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode scores = JSON.readTree(out.resolve("scores.json").toFile());
    assertThat(JSON.readTree(run.out())).isEqualTo(scores);
    return scores;
  }

  private static List<JsonNode> answers(Path out) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(out.resolve("answers.jsonl"))) {
      JsonNode n = JSON.readTree(l);
      assertThat(n.has("question_id") && n.has("prompt") && n.has("text")).isTrue();
      assertThat(n.get("model_id").asText()).isEqualTo("tiny-llava");
      lines.add(n);
    }
    return lines;
  }

  @Test
  void vqav2AnswersAreScoredAgainstTheHumanAnswers() throws Exception {
    Path out = dir.resolve("out-vqa");
    JsonNode scores =
        eval(
            "vqav2",
            out,
            EvalArgs.vqav2(
                bench,
                "--shots-file",
                bench.resolve("vqav2/shots.json").toString(),
                "--shots",
                "2"));
    List<JsonNode> answers = answers(out);
    JsonNode questions =
        JSON.readTree(bench.resolve("vqav2/questions.json").toFile()).get("questions");
    assertThat(answers).hasSize(questions.size());
    assertThat(answers)
        .as("the tiny model says something")
        .anyMatch(a -> !a.get("text").asText().isEmpty());
    assertThat(scores.get("questions").asInt()).isEqualTo(questions.size());
    assertThat(answers.get(0).get("prompt").asText())
        .isEqualTo(
            questions.get(0).get("question").asText()
                + "\nAnswer the question using a single word or phrase.");
    Map<String, List<String>> humans = new HashMap<>();
    JSON.readTree(bench.resolve("vqav2/annotations.json").toFile())
        .get("annotations")
        .forEach(
            a -> {
              List<String> h = new ArrayList<>();
              a.get("answers").forEach(x -> h.add(x.get("answer").asText()));
              humans.put(a.get("question_id").asText(), h);
            });
    double sum = 0;
    for (JsonNode a : answers) {
      sum += VqaAccuracy.of(a.get("text").asText(), humans.get(a.get("question_id").asText()));
    }
    assertThat(scores.get("accuracy").asDouble())
        .isCloseTo(100 * sum / answers.size(), within(1e-9));
    JsonNode submission = JSON.readTree(out.resolve("vqav2-submission.json").toFile());
    assertThat(submission).hasSize(answers.size());
    assertThat(submission.get(0).get("answer").asText())
        .isEqualTo(VqaAccuracy.normalize(answers.get(0).get("text").asText()));
  }

  @Test
  void popeScoresEverySplitFromTheAnswers() throws Exception {
    Path out = dir.resolve("out-pope");
    Path questions = bench.resolve("pope/coco_pope_synth.jsonl");
    JsonNode scores = eval("pope", out, "--questions", questions.toString());
    List<JsonNode> answers = answers(out);
    List<String> lines = Files.readAllLines(questions);
    assertThat(answers).hasSize(lines.size());
    for (String split : List.of("random", "popular", "adversarial")) {
      List<Boolean> labels = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        JsonNode q = JSON.readTree(lines.get(i));
        if (q.get("category").asText().equals(split)) {
          labels.add(q.get("label").asText().equals("yes"));
          texts.add(answers.get(i).get("text").asText());
          assertThat(answers.get(i).get("metadata").get("category").asText()).isEqualTo(split);
        }
      }
      PopeScore expected = PopeScore.of(labels, texts);
      JsonNode got = scores.get("splits").get(split);
      assertThat(got.get("accuracy").asDouble()).isCloseTo(expected.accuracy(), within(1e-12));
      assertThat(got.get("f1").asDouble()).isCloseTo(expected.f1(), within(1e-12));
      assertThat(got.get("yes_ratio").asDouble()).isCloseTo(expected.yesRatio(), within(1e-12));
    }
  }

  @Test
  void mmeWritesTheOfficialResultFilesAndTotals() throws Exception {
    Path out = dir.resolve("out-mme");
    JsonNode scores = eval("mme", out, "--questions", bench.resolve("mme").toString());
    assertThat(answers(out)).hasSize(4 * 4 * 2);
    double perception = 0;
    for (String subtask : List.of("existence", "count", "color", "position")) {
      List<MmeScore.Item> items = new ArrayList<>();
      for (String line : Files.readAllLines(out.resolve("mme-results").resolve(subtask + ".txt"))) {
        String[] cols = line.split("\t", -1);
        assertThat(cols).hasSize(4);
        items.add(new MmeScore.Item(cols[0], cols[2], cols[3]));
      }
      MmeScore m = MmeScore.of(items);
      assertThat(scores.get("subtasks").get(subtask).get("score").asDouble())
          .isCloseTo(m.score(), within(1e-9));
      perception += m.score();
    }
    assertThat(scores.get("perception").asDouble()).isCloseTo(perception, within(1e-9));
    assertThat(scores.get("cognition").asDouble()).isZero();
  }

  @Test
  void captionsAreScoredWithCiderDAndBleu() throws Exception {
    for (String name : List.of("coco", "flickr30k")) {
      Path out = dir.resolve("out-" + name);
      Path captions = bench.resolve(name).resolve("captions.json");
      JsonNode scores =
          eval(
              name + "-caption",
              out,
              "--questions",
              captions.toString(),
              "--annotations",
              captions.toString(),
              "--shots-file",
              bench.resolve("coco/shots.json").toString());
      assertThat(answers(out))
          .hasSize(2)
          .allSatisfy(
              a ->
                  assertThat(a.get("prompt").asText())
                      .isEqualTo("Please provide a description of the picture."));
      JsonNode results = JSON.readTree(out.resolve("captions-results.json").toFile());
      Map<Integer, List<String>> refs = new HashMap<>();
      JSON.readTree(captions.toFile())
          .get("annotations")
          .forEach(
              a ->
                  refs.computeIfAbsent(a.get("image_id").asInt(), k -> new ArrayList<>())
                      .add(PtbTokenizer.tokenize(a.get("caption").asText())));
      Map<Integer, String> candidates = new HashMap<>();
      results.forEach(
          r ->
              candidates.put(
                  r.get("image_id").asInt(), PtbTokenizer.tokenize(r.get("caption").asText())));
      assertThat(candidates).hasSize(2);
      assertThat(scores.get("CIDEr-D").asDouble())
          .isCloseTo(CiderD.score(refs, candidates).score(), within(1e-9));
      assertThat(scores.has("BLEU-4")).isTrue();
    }
  }

  @Test
  void generateAnswersAboutAnImageAsEvalDoes() throws Exception {
    Path image = bench.resolve("images").resolve(SyntheticBenchmarks.imageName(1));
    CliRun run =
        CliRun.of(
            "generate",
            "--model",
            model.toString(),
            "--image",
            image.toString(),
            "--prompt",
            "What colour is the circle?",
            "--prompt",
            "How many shapes are there?",
            "--max-new-tokens",
            "3");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().split("\n", -1)).hasSize(3); // two replies, then the final newline
    CliRun bad =
        CliRun.of(
            EvalArgs.eval(
                "vqav2",
                model,
                bench,
                "--out",
                dir.resolve("bad").toString(),
                "--questions",
                bench.resolve("vqav2/annotations.json").toString()));
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("annotations.json").contains("no top-level 'questions' array");
  }

  @Test
  void aFailedEvaluationLeavesThePreviousResultsAndNamesTheBadQuestion() throws Exception {
    Path out = dir.resolve("out-pope-rerun");
    Path good = bench.resolve("pope/coco_pope_synth.jsonl");
    eval("pope", out, "--questions", good.toString());
    String answers = Files.readString(out.resolve("answers.jsonl"));
    String scores = Files.readString(out.resolve("scores.json"));
    List<String> lines = Files.readAllLines(good);

    Path duplicated = dir.resolve("duplicated.jsonl");
    Files.write(duplicated, List.of(lines.get(0), lines.get(1), lines.get(0)));
    CliRun dup = popeRun(out, duplicated);
    assertThat(dup.code()).isEqualTo(1);
    assertThat(dup.err())
        .contains(
            duplicated
                + ":3: question id "
                + JSON.readTree(lines.get(0)).get("question_id")
                + " appears more than once");
    assertThat(Files.readString(out.resolve("answers.jsonl")))
        .as("previous answers intact")
        .isEqualTo(answers);
    assertThat(Files.readString(out.resolve("scores.json")))
        .as("previous scores intact")
        .isEqualTo(scores);

    Path image = bench.resolve("images").resolve(SyntheticBenchmarks.imageName(1)).toAbsolutePath();
    for (String outside : List.of(image.toString(), "../vqav2/shots.json")) {
      Path escaping = dir.resolve("escaping.jsonl");
      Files.writeString(
          escaping,
          "{\"question_id\": 1, \"image\": "
              + JSON.writeValueAsString(outside)
              + ", \"text\": \"Is there a circle?\", \"label\": \"yes\"}\n");
      CliRun run = popeRun(out, escaping);
      assertThat(run.code()).as(outside).isEqualTo(1);
      assertThat(run.err())
          .contains(escaping + ":1: image path '" + outside + "' leaves the image folder");
    }
    assertThat(Files.readString(out.resolve("scores.json"))).isEqualTo(scores);
  }

  @Test
  void outOfRangeOptionsAreUsageErrorsNamingTheOption() {
    CliRun shots =
        CliRun.of(
            EvalArgs.eval(
                "vqav2",
                model,
                bench,
                "--out",
                dir.resolve("out-shots").toString(),
                "--questions",
                bench.resolve("vqav2/questions.json").toString(),
                "--shots-file",
                bench.resolve("vqav2/shots.json").toString(),
                "--shots",
                "-1"));
    assertThat(shots.code()).isEqualTo(CliErrors.USAGE);
    assertThat(shots.err().strip()).isEqualTo("lntune: --shots must be >= 0, got -1");
    Path image = bench.resolve("images").resolve(SyntheticBenchmarks.imageName(1));
    for (String[] bad :
        new String[][] {
          {"--temperature", "-1"}, {"--top-p", "0"}, {"--top-k", "-3"}, {"--max-new-tokens", "0"}
        }) {
      CliRun run =
          CliRun.of(
              "generate",
              "--model",
              model.toString(),
              "--image",
              image.toString(),
              "--prompt",
              "Hi",
              bad[0],
              bad[1]);
      assertThat(run.code()).as(String.join(" ", bad)).isEqualTo(CliErrors.USAGE);
      assertThat(run.err()).startsWith("lntune: " + bad[0] + " must be");
    }
  }
}
