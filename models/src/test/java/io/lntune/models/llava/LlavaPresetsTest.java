package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.junit.jupiter.api.Test;

class LlavaPresetsTest {
  @Test
  void llavaV1Llama2_7bHasThePapersCounts() {
    LlavaModel m =
        new LlavaModel(LlavaConfigs.byName("llava-v1-llama2-7b"), Placement.meta(DType.F16));
    ComponentCounts c = m.parameterCounts();
    assertThat(c.total()).isEqualTo(7_045_793_792L);
    assertThat(c.vision()).isEqualTo(303_179_776L);
    assertThat(c.projector()).isEqualTo(4_198_400L);
    assertThat(c.embeddings()).isEqualTo(131_072_000L);
    assertThat(c.head()).isEqualTo(131_072_000L);
    m.close();
  }

  @Test
  void vitL14_336SelectsA576By1024FeatureOnMeta() {
    LlavaModel m =
        new LlavaModel(LlavaConfigs.byName("llava-v1.5-vicuna-7b"), Placement.meta(DType.F16));
    try (TensorScope scope = TensorScope.open()) {
      Tensor pixels =
          org.bytedeco.pytorch.global.torch.empty(
              new long[] {1, 3, 336, 336},
              new TensorOptions(new org.bytedeco.pytorch.Device("meta"))
                  .dtype(new org.bytedeco.pytorch.ScalarTypeOptional(DType.F16.scalarType())),
              new org.bytedeco.pytorch.MemoryFormatOptional());
      Tensor features = m.visionTower().features(pixels, m.config().featureSelection());
      assertThat(features.sizes().vec().get()).containsExactly(1, 576, 1024);
      assertThat(m.imageFeatures(pixels).sizes().vec().get()).containsExactly(1, 576, 4096);
    }
    assertThat(m.config().imageTokens()).isEqualTo(576);
    m.close();
  }
}
