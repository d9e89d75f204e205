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

/** {@code lntune demo --quick} end to end: every report file, with numbers that agree with the runs' metrics. */
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void quickDemoWritesConsistentReports() throws Exception {
    Path out = dir.resolve("out");
    StringWriter text = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(text, true));
    int code = cli.execute("demo", "--quick", "--out", out.toString(), "--cache", dir.resolve("cache").toString(),
        "--strategies", "LAYERNORM,LORA");
    assertThat(code).as(text.toString()).isZero();
    for (String f : List.of("report.md", "report.csv", "chart.png", "report.html")) {
      assertThat(out.resolve(f)).isNotEmptyFile();
    }
    List<String> csv = Files.readAllLines(out.resolve("report.csv"));
    assertThat(csv).hasSize(3);
    for (String row : csv.subList(1, 3)) {
      String[] f = row.split(",");
      String strategy = f[0];
      List<String> metrics = Files.readAllLines(out.resolve(strategy.toLowerCase() + "/metrics.jsonl"));
      JsonNode last = new ObjectMapper().readTree(metrics.get(metrics.size() - 1));
      assertThat(Double.parseDouble(f[7])).as(strategy + " final loss = the metrics' last step")
          .isEqualTo(last.get("loss").asDouble());
      JsonNode run = new ObjectMapper().readTree(out.resolve(strategy.toLowerCase() + "/run.json").toFile());
      assertThat(run.get("selection").asText()).isEqualTo(strategy);
      double accuracy = Double.parseDouble(f[6]);
      assertThat(accuracy).isBetween(0.0, 1.0);
      assertThat(Files.readString(out.resolve("report.md"))).contains(strategy);
      JsonNode vqa = new ObjectMapper().readTree(out.resolve(strategy.toLowerCase() + "/eval-vqav2/scores.json")
          .toFile());
      assertThat(vqa.get("accuracy").asDouble()).isBetween(0.0, 100.0);
      assertThat(Files.readAllLines(out.resolve(strategy.toLowerCase() + "/eval-vqav2/answers.jsonl")))
          .hasSize(vqa.get("questions").asInt());
    }
    assertThat(text.toString()).contains("stage 1: connector alignment").contains("VQA accuracy")
        .contains("report: ");
  }
}
