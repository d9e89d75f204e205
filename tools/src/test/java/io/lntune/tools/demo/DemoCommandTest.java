package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.tools.LntuneCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lntune demo --quick} end to end: every report file, with numbers that agree with the runs'
 * metrics.
 */
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void quickDemoWritesConsistentReports() throws Exception {
    Path out = dir.resolve("out");
    StringWriter text = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(text, true));
    int code =
        cli.execute(
            "demo",
            "--quick",
            "--out",
            out.toString(),
            "--cache",
            dir.resolve("cache").toString(),
            "--strategies",
            "LAYERNORM,LORA");
    assertThat(code).as(text.toString()).isZero();
    for (String f : List.of("report.md", "report.csv", "chart.png", "report.html")) {
      assertThat(out.resolve(f)).isNotEmptyFile();
    }
    List<String> csv = Files.readAllLines(out.resolve("report.csv"));
    assertThat(csv).hasSize(3);
    for (String row : csv.subList(1, 3)) {
      String[] f = row.split(",");
      String strategy = f[0];
      List<String> metrics =
          Files.readAllLines(out.resolve(strategy.toLowerCase() + "/metrics.jsonl"));
      JsonNode last = new ObjectMapper().readTree(metrics.get(metrics.size() - 1));
      assertThat(Double.parseDouble(f[7]))
          .as(strategy + " final loss = the metrics' last step")
          .isEqualTo(last.get("loss").asDouble());
      JsonNode run =
          new ObjectMapper().readTree(out.resolve(strategy.toLowerCase() + "/run.json").toFile());
      assertThat(run.get("selection").asText()).isEqualTo(strategy);
      double accuracy = Double.parseDouble(f[6]);
      assertThat(accuracy).isBetween(0.0, 1.0);
      assertThat(Files.readString(out.resolve("report.md"))).contains(strategy);
      JsonNode vqa =
          new ObjectMapper()
              .readTree(out.resolve(strategy.toLowerCase() + "/eval-vqav2/scores.json").toFile());
      assertThat(vqa.get("accuracy").asDouble()).isBetween(0.0, 100.0);
      assertThat(
              Files.readAllLines(out.resolve(strategy.toLowerCase() + "/eval-vqav2/answers.jsonl")))
          .hasSize(vqa.get("questions").asInt());
    }
    // The analyses: every section, its charts, and the ablations' own runs (quick mode runs them).
    for (String f :
        List.of(
            "similarity-layernorm.png",
            "gradient-variance.png",
            "connector-ablation.png",
            "data-types.png",
            "paper-scale.png")) {
      assertThat(out.resolve(f)).isNotEmptyFile();
    }
    assertThat(Files.readString(out.resolve("report.md")))
        .contains(
            "## Layer similarity: LAYERNORM against FULL",
            "| cosine | ",
            "## Gradient variance per strategy",
            "## Connector ablation",
            "| LayerNorm + connector | ",
            "## Data types",
            "| conversation only | ",
            "## Paper scale",
            "| llava-v1-llama2-13b | LORA | ")
        .containsPattern(
            "\\| LORA \\| [0-9]+ \\| [0-9.e-]+ \\| .* \\| [0-9.e-]+ \\([0-9.e-]+ to [0-9.e-]+\\) \\|")
        .containsPattern("Paper: LayerNorm tuning's gradients vary less .* LORA's \\(95%: ")
        .doesNotContain("Not measured: no stage-2 run");
    assertThat(Files.readString(out.resolve("report.html")))
        .contains("<h2>Connector ablation (the paper&#39;s Table 4)</h2>");
    for (String run :
        List.of(
            "connector-only",
            "layernorm-only",
            "layernorm-connector",
            "conversation-only",
            "detail-only",
            "all-kinds")) {
      assertThat(out.resolve("ablations").resolve(run).resolve("metrics.jsonl"))
          .as(run)
          .isNotEmptyFile();
    }
    assertThat(
            new ObjectMapper()
                .readTree(out.resolve("ablations/detail-only/run.json").toFile())
                .toString())
        .contains("detail:");
    assertThat(text.toString())
        .contains("stage 1: connector alignment")
        .contains("VQA accuracy")
        .contains("[pretraining: ", "[stage 1: ", "[LAYERNORM training: ", "[LORA VQA: ")
        .contains("report: ");
    assertThat(Files.readString(out.resolve("report.md")))
        .containsPattern("Time per stage: synthetic world [0-9.]+ s; tokenizer ");

    // A rerun in the same --out takes the world, the pretrained models and stage 1 from the cache,
    // and trains stage 2 again, exactly as before.
    StringWriter rerun = new StringWriter();
    cli.setOut(new PrintWriter(rerun, true));
    assertThat(
            cli.execute(
                "demo",
                "--quick",
                "--out",
                out.toString(),
                "--cache",
                dir.resolve("cache").toString(),
                "--strategies",
                "LAYERNORM,LORA"))
        .as(rerun.toString())
        .isZero();
    assertThat(rerun.toString())
        .contains(
            "synthetic world: cached",
            "pretrained tiny LLaMA and ViT: cached",
            "stage 1 (connector alignment): cached")
        .contains("[LAYERNORM training: ")
        .doesNotContain("pretraining the tiny");
    List<String> csvAgain = Files.readAllLines(out.resolve("report.csv"));
    for (int i = 1; i < csv.size(); i++) {
      String[] first = csv.get(i).split(",");
      String[] second = csvAgain.get(i).split(",");
      assertThat(second[6]).as("accuracy of " + first[0] + " on the rerun").isEqualTo(first[6]);
      assertThat(second[7]).as("final loss of " + first[0] + " on the rerun").isEqualTo(first[7]);
    }

    // Another seed in the same --out has a cold cache: it trains stage 1 too, rather than resume
    // the stage-1 run that seed 7 left there.
    assertThat(
            cli.execute(
                "demo",
                "--quick",
                "--out",
                out.toString(),
                "--cache",
                dir.resolve("cache").toString(),
                "--strategies",
                "LAYERNORM",
                "--seed",
                "8"))
        .as(rerun.toString())
        .isZero();
    assertThat(rerun.toString()).contains("stage 1: connector alignment", "[stage 1: ");
  }

  @Test
  void refusesALearningRateForAnUnknownStrategyOrNotPositive() {
    for (String[] bad :
        List.of(
            new String[] {"NOPE=1e-3", "unknown strategy 'NOPE'"},
            new String[] {"LAYERNORM=-1", "--lr LAYERNORM: the rate must be positive, got -1.0"})) {
      StringWriter err = new StringWriter();
      CommandLine cli = LntuneCli.commandLine();
      cli.setErr(new PrintWriter(err, true));
      int code =
          cli.execute(
              "demo",
              "--quick",
              "--out",
              dir.resolve("x").toString(),
              "--cache",
              dir.resolve("c").toString(),
              "--lr",
              bad[0]);
      assertThat(code).as(err.toString()).isEqualTo(2);
      assertThat(err.toString()).contains(bad[1]);
      assertThat(dir.resolve("c")).doesNotExist();
    }
  }
}
