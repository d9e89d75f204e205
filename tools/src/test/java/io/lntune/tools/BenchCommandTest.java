package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.tools.bench.PythonBaselineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune bench} on the tiny model: every row measured, the JSON, its ratios and the Markdown
 * agree.
 */
class BenchCommandTest {
  @TempDir Path dir;

  @Test
  void benchesTinyAndReportsTheSameNumbersInJsonAndMarkdown() throws Exception {
    Path python =
        PythonBaselineTest.fakePython(
            dir,
            "python",
            0,
            "{\"strategy\": \"x\", \"median_ms\": 2.5, \"peak_rss_bytes\": 1048576}");
    CliRun r =
        CliRun.of(
            "bench",
            "--baseline",
            "python",
            "--python",
            python.toString(),
            "--size",
            "tiny",
            "--steps",
            "1",
            "--warmup",
            "1",
            "--rounds",
            "2",
            "--configs",
            "LAYERNORM,LAYERNORM+recompute,FULL,LAYERNORM+loader",
            "--loader-batch",
            "2",
            "--contexts",
            "4,32",
            "--decode-tokens",
            "3",
            "--output",
            dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(dir.resolve("bench.json").toFile());
    String md = Files.readString(dir.resolve("bench.md"));
    assertThat(r.out()).isEqualTo(md);
    assertThat(json.get("size").asText()).isEqualTo("tiny");

    assertThat(json.get("baseline")).hasSize(2); // LAYERNORM and FULL: the strategies Python has
    for (JsonNode b : json.get("baseline")) {
      assertThat(b.get("pythonMillis").asDouble()).isEqualTo(2.5);
      assertThat(b.get("pythonPeakRssBytes").asLong()).isEqualTo(1048576);
      assertThat(b.get("ratio").asDouble()).isEqualTo(b.get("lntuneMillis").asDouble() / 2.5);
    }
    assertThat(Files.readAllLines(dir.resolve("python.calls")))
        .as("two rounds of LAYERNORM and FULL")
        .hasSize(4);
    assertThat(md).contains("| LAYERNORM | ", "| lntune / Python |");

    Map<String, JsonNode> rows = new HashMap<>();
    json.get("steps").forEach(s -> rows.put(s.get("config").asText(), s));
    assertThat(rows)
        .containsOnlyKeys("LAYERNORM", "LAYERNORM+recompute", "FULL", "LAYERNORM+loader");
    for (JsonNode s : rows.values()) {
      assertThat(s.get("stepMillis").asDouble()).isPositive();
      assertThat(s.get("peakRssBytes").asLong())
          .isGreaterThanOrEqualTo(s.get("stepPeakRssBytes").asLong());
      assertThat(s.get("stepPeakRssBytes").asLong())
          .isGreaterThanOrEqualTo(s.get("baseRssBytes").asLong());
      assertThat(s.get("baseRssBytes").asLong()).isPositive();
      assertThat(s.get("stepMemoryBytes").asLong())
          .isEqualTo(s.get("stepPeakRssBytes").asLong() - s.get("baseRssBytes").asLong());
      assertThat(s.get("overheadFraction").asDouble()).isBetween(0.0, 1.0);
      assertThat(s.get("forwardMillis").asDouble()).isPositive();
      assertThat(s.get("backwardMillis").asDouble()).isPositive();
      assertThat(s.get("forwardMillis").asDouble() + s.get("backwardMillis").asDouble())
          .as("medians of the parts of a step")
          .isLessThanOrEqualTo(2 * s.get("stepMillis").asDouble());
      assertThat(s.has("activationBytes")).isTrue();
      assertThat(s.get("roundStepMillis")).as("one median per round").hasSize(2);
      assertThat(s.get("stepMillis").asDouble())
          .isCloseTo(
              (s.get("roundStepMillis").get(0).asDouble()
                      + s.get("roundStepMillis").get(1).asDouble())
                  / 2,
              within(1e-9));
      assertThat(s.get("dataShare").asDouble()).isBetween(0.0, 1.0);
      assertThat(s.get("javaBytesPerStep").asLong())
          .isPositive()
          .isGreaterThanOrEqualTo(s.get("taskJavaBytesPerStep").asLong());
      assertThat(s.get("taskJavaBytesPerStep").asLong())
          .as("the model's calls create JavaCPP wrappers")
          .isPositive();
      assertThat(md)
          .contains(
              String.format(
                  Locale.ROOT,
                  "| %s | %.1f | %.0f %.0f | %.0f |",
                  s.get("config").asText(),
                  s.get("stepMillis").asDouble(),
                  s.get("roundStepMillis").get(0).asDouble(),
                  s.get("roundStepMillis").get(1).asDouble(),
                  s.get("tokensPerSecond").asDouble()));
    }
    JsonNode ln = rows.get("LAYERNORM");
    // 2 layers x (q, o 64x64; k, v 32x64; gate, up, down 128x64) + the 256x64 head, which LAYERNORM
    // trains;
    // 2 x 64 tokens: forward and input gradients 2NT each, the head's weight gradient 2N'T
    long matrices = 2 * (2 * 4096 + 2 * 2048 + 3 * 8192) + 16384;
    assertThat(ln.get("flopsPerStep").asDouble()).isEqualTo(2.0 * 128 * (2 * matrices + 16384));
    JsonNode plain = ln.get("losses");
    JsonNode recomputed = rows.get("LAYERNORM+recompute").get("losses");
    assertThat(recomputed.size()).isEqualTo(plain.size()).isPositive();
    for (int step = 0; step < plain.size(); step++) {
      assertThat(recomputed.get(step).asDouble())
          .as("recomputation trains exactly as the plain pass, step %d", step)
          .isCloseTo(plain.get(step).asDouble(), within(1e-5));
    }
    assertThat(rows.get("FULL").get("trainableParameters").asLong())
        .isGreaterThan(ln.get("trainableParameters").asLong());

    Map<String, JsonNode> ratios = new HashMap<>();
    json.get("ratios").forEach(x -> ratios.put(x.get("name").asText(), x));
    JsonNode full = rows.get("FULL");
    assertThat(ratios.get("LAYERNORM / FULL step time").get("value").asDouble())
        .as("the ratio of the medians")
        .isCloseTo(
            ln.get("stepMillis").asDouble() / full.get("stepMillis").asDouble(), within(1e-9));
    assertThat(
            ratios
                .get("LAYERNORM with the data loader: data wait / step time")
                .get("value")
                .asDouble())
        .isEqualTo(rows.get("LAYERNORM+loader").get("dataShare").asDouble());
    assertThat(ratios.get("LAYERNORM achieved FLOP/s / GEMM FLOP/s").get("value").asDouble())
        .isCloseTo(
            ln.get("achievedFlops").asDouble() / json.get("gemm").get("flops").asDouble(),
            within(1e-9));
    JsonNode ckpt = json.get("checkpoint");
    assertThat(ckpt.get("fileBytes").asLong())
        .as("tiny's probe checkpoint, about 4 MiB")
        .isBetween(3L << 20, 6L << 20);
    assertThat(ckpt.get("tensors").asInt()).isGreaterThan(9);
    assertThat(ckpt.get("firstLoadAndTouchMillis").asDouble()).isPositive();
    assertThat(ckpt.get("loadAndTouchMillis").asDouble())
        .isGreaterThanOrEqualTo(ckpt.get("loadMillis").asDouble());
    assertThat(md)
        .contains(String.format(Locale.ROOT, "(%d tensors)", ckpt.get("tensors").asInt()));
    JsonNode decode = ratios.get("decode per-token time, context 32 / 4");
    assertThat(decode.get("value").asDouble())
        .isCloseTo(
            json.get("decodes").get(1).get("tokenMillis").asDouble()
                / json.get("decodes").get(0).get("tokenMillis").asDouble(),
            within(1e-9));
    assertThat(ratios).doesNotContainKey("LAYERNORM / LORA step time"); // LORA was not run
    for (JsonNode x : ratios.values()) {
      double value = x.get("value").asDouble();
      boolean met =
          x.get("target").asText().startsWith("<=")
              ? value <= x.get("bound").asDouble()
              : value >= x.get("bound").asDouble();
      assertThat(x.get("met").asBoolean()).as(x.get("name").asText()).isEqualTo(met);
      assertThat(md)
          .contains(
              String.format(
                  Locale.ROOT,
                  "| %s | %.3f | %s | %s |",
                  x.get("name").asText(),
                  value,
                  x.get("target").asText(),
                  met ? "yes" : "no"));
    }
  }

  @Test
  void theSevenBillionSizeRefusesWithoutCuda() {
    org.junit.jupiter.api.Assumptions.assumeFalse(io.lntune.torch.Torch.cudaAvailable());
    CliRun r = CliRun.of("bench", "--size", "llava7b");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("runs on CUDA only").contains("pick tiny, small or medium");
  }
}
