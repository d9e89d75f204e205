package io.lntune.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.training.synth.SyntheticBenchmarks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading each synthetic benchmark and scoring perfect and wrong answers, without a model; bad
 * files.
 */
class ScoringTest {
  @TempDir static Path dir;
  static Path bench;

  @BeforeAll
  static void write() {
    bench = new SyntheticBenchmarks(6, 2, 16).write(dir.resolve("bench"));
  }

  private static Evaluation.Settings settings(
      Benchmark b, Path questions, Optional<Path> annotations, String out) {
    return new Evaluation.Settings(
        b,
        questions,
        bench.resolve("images"),
        annotations,
        dir.resolve(out),
        b.defaultInstruction(),
        List.of(),
        4,
        0,
        "oracle");
  }

  private static JsonNode score(Evaluation.Settings s, Function<EvalQuestion, String> answer)
      throws Exception {
    List<Evaluation.Answered> answered = new ArrayList<>();
    QuestionFiles.read(
        s.benchmark(),
        s.questions(),
        s.images(),
        q -> answered.add(new Evaluation.Answered(q, q.text(), answer.apply(q))));
    Files.createDirectories(s.out());
    return Scoring.score(s, answered);
  }

  @Test
  void perfectYesNoAnswersGetFullMarks() throws Exception {
    JsonNode mme =
        score(
            settings(Benchmark.MME, bench.resolve("mme"), Optional.empty(), "mme"),
            q -> q.truth().orElseThrow().equals("yes") ? "Yes" : "No");
    assertThat(mme.get("questions").asInt()).isEqualTo(4 * 6 * 2);
    assertThat(mme.get("perception").asDouble()).isCloseTo(4 * 200, within(1e-9));
    assertThat(mme.get("subtasks").get("count").get("acc_plus").asDouble()).isEqualTo(1.0);
    // answering yes to everything: half the questions right, no image fully right
    JsonNode yes =
        score(
            settings(Benchmark.MME, bench.resolve("mme"), Optional.empty(), "mme-yes"), q -> "yes");
    assertThat(yes.get("subtasks").get("existence").get("score").asDouble())
        .isCloseTo(50, within(1e-9));

    JsonNode pope =
        score(
            settings(
                Benchmark.POPE,
                bench.resolve("pope/coco_pope_synth.jsonl"),
                Optional.empty(),
                "pope"),
            q -> q.truth().orElseThrow().equals("yes") ? "Yes, there is." : "No, there is not.");
    assertThat(pope.get("splits").fieldNames())
        .toIterable()
        .containsExactly("random", "popular", "adversarial");
    assertThat(pope.get("mean").get("f1").asDouble()).isEqualTo(1.0);
    JsonNode allYes =
        score(
            settings(
                Benchmark.POPE,
                bench.resolve("pope/coco_pope_synth.jsonl"),
                Optional.empty(),
                "pope-yes"),
            q -> "Yes");
    assertThat(allYes.get("splits").get("random").get("yes_ratio").asDouble()).isEqualTo(1.0);
    assertThat(allYes.get("splits").get("random").get("precision").asDouble()).isEqualTo(0.5);
  }

  @Test
  void perfectVqaAndCaptionAnswersGetFullMarks() throws Exception {
    Map<String, String> truth = new HashMap<>();
    Path annotations = bench.resolve("vqav2/annotations.json");
    JsonInput.forEach(
        annotations,
        "annotations",
        (i, l) -> truth.put(l.text("question_id"), l.text("multiple_choice_answer")),
        (k, v) -> {});
    Evaluation.Settings vqa =
        settings(
            Benchmark.VQAV2,
            bench.resolve("vqav2/questions.json"),
            Optional.of(annotations),
            "vqa");
    JsonNode scores = score(vqa, q -> "The " + truth.get(q.id().asText()) + ".");
    assertThat(scores.get("accuracy").asDouble()).isCloseTo(100, within(1e-9));
    assertThat(scores.get("per_answer_type").get("number").asDouble()).isCloseTo(100, within(1e-9));
    assertThat(Files.readString(dir.resolve("vqa/vqav2-submission.json"))).contains("\"answer\"");

    Path captions = bench.resolve("coco/captions.json");
    Map<Integer, String> first = new HashMap<>();
    JsonInput.forEach(
        captions,
        "annotations",
        (i, l) -> first.putIfAbsent(Integer.parseInt(l.text("image_id")), l.text("caption")),
        (k, v) -> {});
    JsonNode perfect =
        score(
            settings(Benchmark.COCO_CAPTION, captions, Optional.of(captions), "coco"),
            q -> first.get(q.id().asInt()));
    JsonNode wrong =
        score(
            settings(Benchmark.COCO_CAPTION, captions, Optional.of(captions), "coco-wrong"),
            q -> "a dog");
    assertThat(perfect.get("BLEU-1").asDouble()).isGreaterThan(0.7);
    assertThat(perfect.get("CIDEr-D").asDouble()).isGreaterThan(wrong.get("CIDEr-D").asDouble());
    assertThat(wrong.get("CIDEr-D").asDouble()).isZero();
  }

  @Test
  void badFilesNameTheFileAndTheLineOrField() throws Exception {
    Path pope = dir.resolve("bad_pope.jsonl");
    Files.writeString(
        pope,
        "{\"question_id\": 1, \"image\": \""
            + SyntheticBenchmarks.imageName(1)
            + "\", \"text\": \"Is there?\", \"label\": \"yes\"}\n\n{\"question_id\": 2, \"text\": \"x\"}\n");
    assertThatThrownBy(
            () -> QuestionFiles.read(Benchmark.POPE, pope, bench.resolve("images"), q -> {}))
        .isInstanceOf(EvalDataException.class)
        .hasMessage(pope + ":3: field 'image' is missing or not a string or " + "number");
    Files.writeString(pope, "{\"question_id\": 1, \"image\": \"missing.png\", \"text\": \"x\"}\n");
    assertThatThrownBy(
            () -> QuestionFiles.read(Benchmark.POPE, pope, bench.resolve("images"), q -> {}))
        .hasMessageStartingWith(pope + ":1: image not found");
    Files.writeString(pope, "{\"question_id\": 1, oops}\n");
    assertThatThrownBy(
            () -> QuestionFiles.read(Benchmark.POPE, pope, bench.resolve("images"), q -> {}))
        .hasMessageStartingWith(pope + ":1: not valid JSON");

    Path mme = dir.resolve("count.txt");
    Files.writeString(
        mme,
        SyntheticBenchmarks.imageName(1) + "\tAre there two? Please answer yes or no.\tMaybe\n");
    assertThatThrownBy(
            () -> QuestionFiles.read(Benchmark.MME, mme, bench.resolve("images"), q -> {}))
        .hasMessage(mme + ":1: the answer must be Yes or No, got 'Maybe'");

    Path vqa = dir.resolve("vqa.json");
    Files.writeString(
        vqa,
        "{\"data_subtype\": \"synth\", \"questions\": [{\"image_id\": 1, \"question\": \"q\", "
            + "\"question_id\": 5}, {\"image_id\": \"x\", \"question\": \"q\", \"question_id\": 6}]}");
    List<EvalQuestion> read = new ArrayList<>();
    assertThatThrownBy(
            () -> QuestionFiles.read(Benchmark.VQAV2, vqa, bench.resolve("images"), read::add))
        .hasMessage(vqa + ": questions[1]: field 'image_id' must be an integer, got \"x\"");
    assertThat(read).hasSize(1);
    assertThat(read.get(0).image().getFileName().toString())
        .isEqualTo("COCO_synth_000000000001.png");

    Evaluation.Settings noLabels = settings(Benchmark.POPE, pope, Optional.empty(), "pope-bad");
    Files.writeString(
        pope,
        "{\"question_id\": 7, \"image\": \""
            + SyntheticBenchmarks.imageName(1)
            + "\", \"text\": \"Is there?\"}\n");
    assertThatThrownBy(() -> score(noLabels, q -> "yes"))
        .hasMessage(pope + ":1: question 7 has no 'label' and no " + "--annotations were given");
  }
}
