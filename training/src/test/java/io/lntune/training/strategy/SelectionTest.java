package io.lntune.training.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class SelectionTest {
  private static long count(Map<String, Tensor> params, Selection s) {
    return params.entrySet().stream()
        .filter(e -> s.trains(e.getKey()))
        .mapToLong(e -> e.getValue().numel())
        .sum();
  }

  @Test
  void strategiesSelectTheirComponentsOfLlama2_7b() {
    LlamaModel model = new LlamaModel(LlamaConfigs.llama2_7b(), Placement.meta(DType.F16));
    Map<String, Tensor> params = Modules.namedParameters(model);
    long norms = 32 * 2 * 4096;
    long embedAndHead = 2L * 32000 * 4096;
    assertThat(count(params, Selection.of(Strategy.LAYERNORM_SIMPLE))).isEqualTo(norms + 4096);
    assertThat(count(params, Selection.of(Strategy.LAYERNORM_SIMPLE).withoutFinalNorm()))
        .isEqualTo(norms);
    assertThat(count(params, Selection.of(Strategy.LAYERNORM)))
        .isEqualTo(norms + 4096 + embedAndHead);
    assertThat(count(params, Selection.of(Strategy.ATTN_QV)))
        .isEqualTo(32L * 2 * 4096 * 4096 + embedAndHead);
    assertThat(count(params, Selection.of(Strategy.ATTN_MLP)))
        .isEqualTo(32L * 3 * 4096 * 11008 + embedAndHead);
    assertThat(count(params, Selection.of(Strategy.FULL))).isEqualTo(model.parameterCount());
    assertThat(count(params, Selection.of(Strategy.CONNECTOR_ONLY))).isZero();
    model.close();
  }

  @Test
  void visionAndConnectorNamesFollowTheLlavaLayout() {
    Selection layernorm = Selection.of(Strategy.LAYERNORM);
    assertThat(layernorm.trains("model.mm_projector.0.weight")).isTrue();
    assertThat(
            layernorm.trains(
                "model.vision_tower.vision_tower.vision_model.encoder.layers.0.layer_norm1.weight"))
        .isFalse();
    assertThat(
            layernorm
                .withVisionNorms()
                .trains(
                    "model.vision_tower.vision_tower.vision_model.encoder.layers.0.layer_norm1.weight"))
        .isTrue();
    assertThat(
            layernorm
                .withVisionNorms()
                .trains(
                    "model.vision_tower.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight"))
        .isFalse();
    assertThat(
            Selection.of(Strategy.FULL)
                .trains("model.vision_tower.vision_tower.vision_model.post_layernorm.weight"))
        .isFalse();
    assertThat(Selection.of(Strategy.CONNECTOR_ONLY).trains("model.mm_projector.weight")).isTrue();
    assertThat(Selection.of(Strategy.LAYERNORM_SIMPLE).trains("model.mm_projector.weight"))
        .isFalse();
    assertThat(Selection.of(Strategy.LORA).trains("model.layers.3.mlp.up_proj.lora_B.weight"))
        .isTrue();
    assertThat(Selection.of(Strategy.LORA).trains("model.layers.3.mlp.up_proj.weight")).isFalse();
    assertThat(
            Selection.custom(n -> n.endsWith("input_layernorm.weight"))
                .trains("model.layers.0.input_layernorm.weight"))
        .isTrue();
  }

  @Test
  void namesParse() {
    assertThat(Strategy.parse("layernorm-simple")).isEqualTo(Strategy.LAYERNORM_SIMPLE);
    assertThatThrownBy(() -> Strategy.parse("bitfit"))
        .hasMessageContaining("unknown strategy 'bitfit'");
  }
}
