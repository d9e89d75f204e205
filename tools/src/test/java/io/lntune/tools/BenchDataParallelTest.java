package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune bench --data-parallel} on the tiny model: both runs timed, the bytes a rank
 * all-reduces per step counted from the trainable tensors, and the 8-GPU predictions.
 */
class BenchDataParallelTest {
  @TempDir Path dir;

  @Test
  void timesTwoRanksAgainstOneProcessAndCountsTheBytesTheyAllReduce() throws Exception {
    CliRun r =
        CliRun.of(
            "bench",
            "--size",
            "tiny",
            "--configs",
            "LAYERNORM",
            "--data-parallel",
            "--rounds",
            "1",
            "--steps",
            "1",
            "--warmup",
            "1",
            "--mmap-threshold",
            "0",
            "--contexts",
            "4",
            "--decode-tokens",
            "1",
            "--output",
            dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode dp =
        new ObjectMapper().readTree(dir.resolve("bench.json").toFile()).get("dataParallel");
    String md = Files.readString(dir.resolve("bench.md"));

    long trainable = 0;
    try (LlamaModel tiny = new LlamaModel(LlamaConfigs.tiny(), Placement.meta(DType.BF16))) {
      Selection ln = Selection.of(Strategy.LAYERNORM);
      for (Map.Entry<String, Tensor> e : Modules.namedParameters(tiny).entrySet()) {
        if (ln.trains(e.getKey())) {
          trainable += e.getValue().numel();
        }
      }
    }
    JsonNode ranks = dp.get("ranks");
    assertThat(ranks.get("trainableParameters").asLong()).isEqualTo(trainable);
    assertThat(ranks.get("allReducedBytesPerStep").asLong())
        .as(
            "fp32 gradients of the trainable tensors, and the loss, token count and flag as doubles")
        .isEqualTo(trainable * 4 + 24);
    assertThat(dp.get("oneProcess").get("allReducedBytesPerStep").asLong()).isZero();
    assertThat(dp.get("batch").asLong()).as("tiny's batch of 2, one sample a rank").isEqualTo(2);
    assertThat(dp.get("stepRatio").asDouble())
        .isCloseTo(
            ranks.get("stepMillis").asDouble() / dp.get("oneProcess").get("stepMillis").asDouble(),
            within(1e-9));
    assertThat(md)
        .contains(
            String.format(
                Locale.ROOT,
                "| 2 processes x 1 thread | %.1f | %.0f | ",
                ranks.get("stepMillis").asDouble(),
                ranks.get("stepMillis").asDouble()))
        .contains(String.format(Locale.ROOT, " | %,d |%n", trainable * 4 + 24));

    Map<String, JsonNode> predictions = new HashMap<>();
    dp.get("predictions")
        .forEach(
            p -> predictions.put(p.get("preset").asText() + " " + p.get("strategy").asText(), p));
    assertThat(predictions).hasSize(4);
    JsonNode simple7b = predictions.get("llava-v1-llama2-7b LAYERNORM_SIMPLE");
    long norms = 32 * 2 * 4096 + 4096; // both norms of 32 blocks and the final norm, width 4096
    assertThat(simple7b.get("trainable").asLong()).isEqualTo(norms);
    assertThat(simple7b.get("bytesPerStep").asLong()).isEqualTo(norms * 4 + 24);
    assertThat(simple7b.get("nvlinkMillis").asDouble())
        .as("a ring over 8 GPUs moves 2 x 7/8 of the bytes, at 150 GB/s")
        .isCloseTo(2 * 7 / 8.0 * (norms * 4 + 24) / 150e9 * 1000, within(1e-12));
    assertThat(simple7b.get("pcieMillis").asDouble())
        .isCloseTo(2 * 7 / 8.0 * (norms * 4 + 24) / 10e9 * 1000, within(1e-12));
    assertThat(predictions.get("llava-v1-llama2-13b LAYERNORM").get("bytesPerStep").asLong())
        .as("the embeddings, head and connector dwarf the norms")
        .isGreaterThan(
            100
                * predictions
                    .get("llava-v1-llama2-13b LAYERNORM_SIMPLE")
                    .get("bytesPerStep")
                    .asLong());
    assertThat(md).contains("| llava-v1-llama2-7b | LAYERNORM_SIMPLE | 266,240 | 1,064,984 (");
  }
}
