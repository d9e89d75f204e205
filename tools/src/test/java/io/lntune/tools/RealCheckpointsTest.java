package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llava.RealRepo;
import io.lntune.models.llava.TinyLlava;
import io.lntune.training.synth.SyntheticBenchmarks;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The command line end to end on checkpoints shaped as llava-hf/llava-1.5-7b-hf and
 * liuhaotian/llava-v1.5-7b (their own config and tokenizer files, 576 image tokens, random tiny
 * weights): one step of LAYERNORM and of LORA, a reply about a picture, and a scored benchmark.
 */
class RealCheckpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static void ok(CliRun run) {
    assertThat(run.code()).as(run.err()).isZero();
  }

  @ParameterizedTest
  @EnumSource(
      value = RealRepo.class,
      names = {"LLAVA_HF", "LIUHAOTIAN"})
  void trainsGeneratesAndEvaluates(RealRepo repo) throws Exception {
    Path model = TinyLlava.real(repo, dir.resolve("model"), 11);
    SyntheticWorld.Summary world =
        new SyntheticWorld(4, 2, 16, 0.25).generate(dir.resolve("world"));
    for (String strategy : List.of("LAYERNORM", "LORA")) {
      Path out = dir.resolve("out-" + strategy);
      CliRun train =
          CliRun.of(
              "train",
              "--model",
              model.toString(),
              "--data",
              world.stage2Train().toString(),
              "--image-root",
              world.imageRoot().toString(),
              "--strategy",
              strategy,
              "--lora-r",
              "4",
              "--max-steps",
              "1",
              "--batch-size",
              "1",
              "--workers",
              "1",
              "--output",
              out.toString());
      ok(train);
      assertThat(train.out()).as(strategy).contains("trained 1 steps");
      JsonNode metrics = JSON.readTree(Files.readAllLines(out.resolve("metrics.jsonl")).get(0));
      assertThat(metrics.get("loss").asDouble()).as(strategy + " loss").isFinite().isPositive();
      assertThat(out.resolve("trainable.safetensors")).exists();
    }

    Path bench = new SyntheticBenchmarks(2, 1, 32).write(dir.resolve("bench"));
    Path image = bench.resolve("images").resolve(SyntheticBenchmarks.imageName(1));
    CliRun generate =
        CliRun.of(
            "generate",
            "--model",
            model.toString(),
            "--image",
            image.toString(),
            "--prompt",
            "What is in the picture?",
            "--prompt",
            "Look: <image> How many shapes?",
            "--max-new-tokens",
            "3");
    ok(generate);
    assertThat(generate.out().split("\n", -1)).hasSize(3); // two replies, then the final newline

    Path evalOut = dir.resolve("eval");
    CliRun eval =
        CliRun.of(
            EvalArgs.eval(
                "vqav2",
                model,
                bench,
                EvalArgs.vqav2(
                    bench,
                    "--out",
                    evalOut.toString(),
                    "--max-new-tokens",
                    "2",
                    "--batch-size",
                    "2")));
    ok(eval);
    JsonNode scores = JSON.readTree(evalOut.resolve("scores.json").toFile());
    int questions =
        JSON.readTree(bench.resolve("vqav2/questions.json").toFile()).get("questions").size();
    assertThat(scores.get("questions").asInt()).isEqualTo(questions);
    assertThat(Files.readAllLines(evalOut.resolve("answers.jsonl"))).hasSize(questions);
  }
}
