package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportTest {
  @TempDir Path dir;

  static LlavaModel base() {
    LlavaModel m = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(m, 0.2, 3);
    return m;
  }

  /** Stands in for training: moves every selected parameter. */
  static void perturb(LlavaModel m, Selection s) {
    Torch.seed(8);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Modules.namedParameters(m)
          .forEach(
              (name, t) -> {
                if (s.trains(name)) {
                  t.add_(randn(t.sizes().vec().get()).mul(new Scalar(0.05)));
                }
              });
    }
  }

  static Tensor logits(LlavaModel m) {
    Torch.seed(1);
    Tensor pixels = randn(1, 3, 16, 16);
    Tensor ids = Tensor.create(new long[] {1, LlavaConfig.IMAGE_TOKEN_INDEX, 7, 9}, 1, 4);
    return m.forward(LlavaInput.of(ids).withPixels(pixels)).logits();
  }

  @Test
  void layerNormAdapterHasPeftNamesAndReloadsOntoAFreshBase() throws Exception {
    LlavaModel trained = base();
    Selection s = Selection.of(Strategy.LAYERNORM);
    perturb(trained, s);
    PeftAdapter.write(dir, ExportTensors.of(trained), s, "tiny-llava");
    JsonNode config = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(config.get("peft_type").asText()).isEqualTo("LN_TUNING");
    assertThat(config.get("target_modules").toString())
        .isEqualTo(
            "[\"input_layernorm\",\"post_attention_layernorm\",\"norm\",\"mm_projector\",\"embed_tokens\",\"lm_head\"]");
    assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      assertThat(f.metadata()).containsEntry("format", "pt");
      assertThat(f.tensors())
          .extracting(t -> t.name())
          .contains(
              "base_model.model.model.layers.0.input_layernorm.ln_tuning_layers.weight",
              "base_model.model.model.layers.1.post_attention_layernorm.ln_tuning_layers.weight",
              "base_model.model.model.norm.ln_tuning_layers.weight",
              "base_model.model.model.mm_projector.ln_tuning_layers.0.weight",
              "base_model.model.model.mm_projector.ln_tuning_layers.2.bias",
              "base_model.model.model.embed_tokens.ln_tuning_layers.weight",
              "base_model.model.lm_head.ln_tuning_layers.weight");
      assertThat(f.tensors())
          .noneMatch(t -> t.name().contains("vision_tower") || t.name().contains("q_proj"));
    }
    LlavaModel fresh = base();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      assertThat(logits(fresh).equal(logits(trained))).isFalse();
      PeftAdapter.load(fresh, dir, fresh.languageModel().blockLinears());
      assertThat(logits(fresh).equal(logits(trained))).isTrue();
    }
    trained.close();
    fresh.close();
  }

  @Test
  void visionNormsOptedInAreLnTuningTargetsToo() throws Exception {
    LlavaModel trained = base();
    Selection s = Selection.of(Strategy.LAYERNORM).withVisionNorms();
    perturb(trained, s);
    PeftAdapter.write(dir, ExportTensors.of(trained), s, "tiny-llava");
    JsonNode config = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(config.get("target_modules").toString())
        .isEqualTo(
            "[\"input_layernorm\",\"post_attention_layernorm\","
                + "\"norm\",\"mm_projector\",\"embed_tokens\",\"lm_head\",\"pre_layrnorm\",\"layer_norm1\",\"layer_norm2\","
                + "\"post_layernorm\"]");
    String tower = "base_model.model.model.vision_tower.vision_tower.vision_model.";
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      assertThat(f.tensors())
          .extracting(t -> t.name())
          .contains(
              tower + "pre_layrnorm.ln_tuning_layers.weight",
              tower + "encoder.layers.1.layer_norm1.ln_tuning_layers.bias",
              tower + "encoder.layers.0.layer_norm2.ln_tuning_layers.weight",
              tower + "post_layernorm.ln_tuning_layers.bias");
    }
    LlavaModel fresh = base();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      PeftAdapter.load(fresh, dir, fresh.languageModel().blockLinears());
      assertThat(logits(fresh).equal(logits(trained))).isTrue();
    }
    LoraConfig lora = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"));
    Lora.attach(trained.languageModel().blockLinears(), lora, 2);
    PeftAdapter.write(
        dir.resolve("lora"),
        ExportTensors.of(trained).withLora(lora),
        Selection.of(Strategy.LORA).withVisionNorms(),
        "tiny-llava");
    JsonNode loraConfig =
        new ObjectMapper().readTree(dir.resolve("lora/adapter_config.json").toFile());
    assertThat(loraConfig.get("modules_to_save").toString())
        .isEqualTo(
            "[\"mm_projector\",\"embed_tokens\","
                + "\"lm_head\",\"pre_layrnorm\",\"layer_norm1\",\"layer_norm2\",\"post_layernorm\"]");
    assertThat(loraConfig.get("target_modules").asText())
        .isEqualTo(".*model\\.layers\\.\\d+\\.(self_attn\\.q_proj|self_attn\\.v_proj)");
    trained.close();
    fresh.close();
  }

  @Test
  void loraAdapterSavesAdaptersAndModulesToSave() throws Exception {
    LlavaModel trained = base();
    LoraConfig lora = new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS);
    Lora.attach(trained.languageModel().blockLinears(), lora, 2);
    Selection s = Selection.of(Strategy.LORA);
    perturb(trained, s);
    PeftAdapter.write(dir, ExportTensors.of(trained).withLora(lora), s, "tiny-llava");
    JsonNode config = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(config.get("r").asInt()).isEqualTo(4);
    assertThat(config.get("lora_alpha").asDouble()).isEqualTo(8.0);
    assertThat(config.get("modules_to_save").toString())
        .isEqualTo("[\"mm_projector\",\"embed_tokens\",\"lm_head\"]");
    assertThat(config.get("target_modules").asText())
        .isEqualTo(
            ".*model\\.layers\\.\\d+\\.(self_attn\\.q_proj|"
                + "self_attn\\.k_proj|self_attn\\.v_proj|self_attn\\.o_proj|mlp\\.gate_proj|mlp\\.up_proj|mlp\\.down_proj)");
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      assertThat(f.tensors())
          .extracting(t -> t.name())
          .contains(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
              "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight",
              "base_model.model.model.mm_projector.0.weight",
              "base_model.model.lm_head.weight");
    }
    LlavaModel fresh = base();
    LoraConfig loaded = PeftAdapter.load(fresh, dir, fresh.languageModel().blockLinears());
    assertThat(loaded).isEqualTo(lora);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      assertThat(logits(fresh).sub(logits(trained)).abs().max().item_double()).isLessThan(1e-6);
    }
    trained.close();
    fresh.close();
  }

  @Test
  void deltaOfTheNormsIsSmallAndReapplies() {
    LlavaModel trained = base();
    Selection s = Selection.of(Strategy.LAYERNORM_SIMPLE);
    perturb(trained, s);
    Path file = dir.resolve("delta.safetensors");
    TrainableDelta.write(
        file, ExportTensors.of(trained), s, Map.of("strategy", "LAYERNORM_SIMPLE"));
    assertThat(file.toFile().length())
        .as("bytes: 5 norms of 64 floats plus a header")
        .isLessThan(4096);
    LlavaModel fresh = base();
    assertThat(TrainableDelta.apply(fresh, file)).isEqualTo(5);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      assertThat(logits(fresh).equal(logits(trained))).isTrue();
    }
    LlavaModel other = new LlavaModel(LlavaConfigs.byName("tiny"), Placement.cpu(DType.F32));
    other.resizeVocabulary(300);
    assertThatThrownBy(
            () ->
                PeftAdapter.write(
                    dir.resolve("full"), ExportTensors.of(other), Selection.of(Strategy.FULL), "x"))
        .hasMessageContaining("FULL has no LN_TUNING form: export the merged model instead");
    trained.close();
    fresh.close();
    other.close();
  }
}
