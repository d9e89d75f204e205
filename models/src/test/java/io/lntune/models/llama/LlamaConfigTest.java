package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.config.ConfigException;
import io.lntune.torch.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {
  @TempDir Path dir;

  private LlamaConfig read(String json) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, json);
    return LlamaConfig.read(file);
  }

  @Test
  void readsTheGoldenConfigs() {
    LlamaConfig mqa =
        LlamaConfig.read(LlamaParityTest.golden("mqa-linear-rope").resolve("config.json"));
    assertThat(mqa.ropeTheta()).isEqualTo(1e6);
    assertThat(mqa.ropeLinearFactor()).isEqualTo(2.0);
    assertThat(mqa.numKeyValueHeads()).isEqualTo(1);
    assertThat(mqa.torchDtype()).contains(DType.F32);
    LlamaConfig gqa = LlamaConfig.read(LlamaParityTest.golden("gqa-tied").resolve("config.json"));
    assertThat(gqa.tieWordEmbeddings()).isTrue();
    assertThat(gqa.headDim()).isEqualTo(8);
  }

  @Test
  void readsLlama2StyleConfigsWithDefaults() throws IOException {
    LlamaConfig c =
        read(
            "{\"hidden_size\": 4096, \"intermediate_size\": 11008, \"num_hidden_layers\": 32,"
                + "\"num_attention_heads\": 32, \"rms_norm_eps\": 1e-05, \"vocab_size\": 32000, \"rope_scaling\": {\"type\":"
                + " \"linear\", \"factor\": 4.0}, \"eos_token_id\": [2, 32000], \"torch_dtype\": \"float16\"}");
    assertThat(c.numKeyValueHeads()).as("defaults to the query heads").isEqualTo(32);
    assertThat(c.ropeLinearFactor()).isEqualTo(4.0);
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.eosTokenIds()).containsExactly(2L, 32000L);
    assertThat(c.torchDtype()).contains(DType.F16);
  }

  @Test
  void errorsNameTheFileAndField() throws IOException {
    String base =
        "\"intermediate_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"vocab_size\": 10";
    assertThatThrownBy(() -> read("{" + base + "}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("field 'hidden_size' is required");
    assertThatThrownBy(() -> read("{\"hidden_size\": \"big\", " + base + "}"))
        .hasMessageContaining("field 'hidden_size' expected an integer, got \"big\"");
    assertThatThrownBy(() -> read("{\"hidden_size\": 8, \"num_key_value_heads\": 3, " + base + "}"))
        .hasMessageContaining("num_attention_heads 2 must be a multiple of num_key_value_heads 3");
    assertThatThrownBy(
            () ->
                read(
                    "{\"hidden_size\": 8, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2},"
                        + base
                        + "}"))
        .hasMessageContaining("field 'rope_type' names a scaling lntune does not support");
    assertThatThrownBy(() -> read("{\"hidden_size\": 6, " + base + "}"))
        .hasMessageContaining("heads of an even width");
  }

  @Test
  void countsBeyondAnIntAreRefusedNotTruncated() throws IOException {
    String rest = "\"hidden_size\": 8, \"intermediate_size\": 8, \"vocab_size\": 10";
    long wraps = (1L << 32) + 2; // an int cast makes this 2
    assertThatThrownBy(
            () ->
                read(
                    "{\"num_hidden_layers\": "
                        + wraps
                        + ", \"num_attention_heads\": 2, "
                        + rest
                        + "}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("field 'num_hidden_layers' must be a positive int, got 4294967298");
    assertThatThrownBy(
            () ->
                read(
                    "{\"num_hidden_layers\": 1, \"num_attention_heads\": "
                        + wraps
                        + ", "
                        + rest
                        + "}"))
        .hasMessageContaining("field 'num_attention_heads' must be a positive int");
    assertThatThrownBy(
            () ->
                read(
                    "{\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"num_key_value_heads\": 0, "
                        + rest
                        + "}"))
        .hasMessageContaining("field 'num_key_value_heads' must be a positive int, got 0");
  }

  @Test
  void activationsOtherThanSiluAreRefused() throws IOException {
    String rest =
        "\"hidden_size\": 8, \"intermediate_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
            + " \"vocab_size\": 10";
    assertThat(read("{\"hidden_act\": \"silu\", " + rest + "}").numHiddenLayers()).isEqualTo(1);
    assertThatThrownBy(() -> read("{\"hidden_act\": \"bogus\", " + rest + "}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("field 'hidden_act' must be silu")
        .hasMessageContaining("\"bogus\"");
  }

  @Test
  void presetsHaveThePublishedShapes() {
    assertThat(LlamaConfigs.byName("llama2-7b").hiddenSize()).isEqualTo(4096);
    assertThat(LlamaConfigs.byName("vicuna-13b-v1.5").intermediateSize()).isEqualTo(13824);
    assertThat(LlamaConfigs.vicuna7bV15().padTokenId()).isZero();
    assertThatThrownBy(() -> LlamaConfigs.byName("gpt2"))
        .hasMessageContaining("unknown LLaMA preset 'gpt2'");
  }
}
