package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.MemoryStats;
import org.junit.jupiter.api.Test;

class ParamsCommandTest {
  private String run(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.err()).isZero();
    return r.out();
  }

  private JsonNode json(String... args) throws Exception {
    return new ObjectMapper().readTree(run(args));
  }

  /** The paper rounds to two decimals; so does this. */
  private static double percent(JsonNode n) {
    return Math.round(n.get("trainable_percent").asDouble() * 100) / 100.0;
  }

  @Test
  void llavaV1Llama2_7bPrintsThePapersCounts() {
    long start = System.nanoTime();
    String text = run("params", "--preset", "llava-v1-llama2-7b");
    assertThat((System.nanoTime() - start) / 1e9).as("seconds, on the meta device").isLessThan(5);
    assertThat(text)
        .containsPattern("vision_tower\\s+303,179,776")
        .containsPattern("projector\\s+4,198,400")
        .containsPattern("total\\s+7,045,793,792")
        .contains("256 image tokens of width 1024, linear projector");
  }

  @Test
  void thirteenBillionIsCountedWithoutTheMemory() {
    // on the meta device: shapes only (a timed check was flaky on a loaded machine; speed lives in
    // the bench)
    long before = MemoryStats.residentBytes();
    String text = run("params", "--preset", "llava-v1.5-vicuna-13b");
    assertThat(MemoryStats.residentBytes() - before)
        .as("bytes resident after counting 13B parameters")
        .isLessThan(512L << 20);
    assertThat(text).contains("576 image tokens").containsPattern("projector\\s+31,467,520");
  }

  @Test
  void reproducesThePapersTrainableShares() throws Exception {
    JsonNode ln7 =
        json("params", "--preset", "llava-v1-llama2-7b", "--strategy", "LAYERNORM", "--json");
    assertThat(ln7.get("trainable").asLong()).isEqualTo(266_608_640L);
    assertThat(percent(ln7)).isEqualTo(3.78);
    JsonNode ln13 =
        json("params", "--preset", "llava-v1-llama2-13b", "--strategy", "LAYERNORM", "--json");
    assertThat(percent(ln13)).isEqualTo(2.50);
    JsonNode simple =
        json(
            "params", "--preset", "llava-v1-llama2-7b", "--strategy", "LAYERNORM_SIMPLE", "--json");
    assertThat(simple.get("trainable").asLong()).isEqualTo(266_240L);
    assertThat(Math.round(simple.get("trainable_percent").asDouble() * 1000) / 1000.0)
        .isEqualTo(0.004);
    JsonNode lora13 =
        json(
            "params",
            "--preset",
            "llava-v1-llama2-13b",
            "--strategy",
            "LORA",
            "--lora-r",
            "64",
            "--json");
    assertThat(lora13.get("total").asLong())
        .as("the adapters count in the total")
        .isEqualTo(13_324_292_096L + 250_347_520L);
    assertThat(percent(lora13)).isEqualTo(4.30);
    double fewer = 1 - percent(ln13) / percent(lora13);
    assertThat(Math.round(fewer * 1000) / 10.0)
        .as("percent fewer trainable parameters, as the paper computes it")
        .isEqualTo(41.9);
    assertThat(ln13.get("components").get("lm_head").get("trainable").asLong())
        .isEqualTo(163_840_000L);
    assertThat(ln13.get("memory_bytes").get("optimizer").asLong())
        .isEqualTo(8 * ln13.get("trainable").asLong());
  }

  @Test
  void tableNamesTheStrategyAndMemory() {
    String text = run("params", "--preset", "tiny", "--strategy", "layernorm-simple");
    assertThat(text)
        .contains("LAYERNORM-SIMPLE trains")
        .contains("memory estimate:")
        .contains("AdamW");
  }

  @Test
  void activationsDifferPerStrategyAndShrinkWithRecomputation() throws Exception {
    JsonNode ln =
        json("params", "--preset", "llava-v1-llama2-13b", "--strategy", "LAYERNORM", "--json")
            .get("memory_bytes");
    JsonNode lora =
        json("params", "--preset", "llava-v1-llama2-13b", "--strategy", "LORA", "--json")
            .get("memory_bytes");
    assertThat(ln.get("sequence").asLong()).isEqualTo(2048);
    assertThat(lora.get("activations").asLong())
        .as("adapters keep their inputs, masks and low-rank products")
        .isGreaterThan(ln.get("activations").asLong() * 3 / 2);
    assertThat(ln.get("activations_recomputed").asLong())
        .isLessThan(ln.get("activations").asLong() / 2);
    String text =
        run(
            "params",
            "--preset",
            "llava-v1-llama2-7b",
            "--strategy",
            "FULL",
            "--device",
            "cpu",
            "--sequence",
            "512");
    assertThat(text)
        .contains("activations for 1 x 512 tokens on cpu")
        .contains("with activation recomputation");
  }
}
