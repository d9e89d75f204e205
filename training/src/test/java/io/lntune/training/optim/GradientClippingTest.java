package io.lntune.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The global norm and the scaling of {@code clip_grad_norm_}, against sums done in Java. */
class GradientClippingTest {
  @ParameterizedTest
  @ValueSource(doubles = {1.0, 1.0 / 37})
  void scalesEveryGradientByLimitOverGlobalNorm(double scale) {
    try (TensorScope scope = TensorScope.open()) {
      List<Trainable> trainables =
          withGradients(); // fp32 accumulators of bf16 norms, embeddings, head
      List<float[]> before = new ArrayList<>();
      double squares = 0;
      for (Trainable t : trainables) {
        float[] g = values(t.gradient());
        before.add(g);
        for (float v : g) {
          squares += (double) v * v;
        }
      }
      double expectedNorm = scale * Math.sqrt(squares);
      double limit = expectedNorm / 3;

      double norm = GradientClipping.clip(trainables, scale, limit);

      // fp32 sums of squares, as clip_grad_norm_ over fp32 gradients: 1.9e-6 off here
      assertThat(norm).isCloseTo(expectedNorm, within(1e-5 * expectedNorm));
      double coefficient = scale * limit / (norm + 1e-6);
      for (int i = 0; i < trainables.size(); i++) {
        float[] after = values(trainables.get(i).gradient());
        for (int j = 0; j < after.length; j++) {
          assertThat((double) after[j])
              .as(trainables.get(i).name() + "[" + j + "]")
              .isCloseTo(
                  before.get(i)[j] * coefficient,
                  within(1e-6 * Math.abs(before.get(i)[j]) + 1e-12));
        }
      }
    }
  }

  @Test
  void underTheLimitOnlyTheScaleApplies() {
    try (TensorScope scope = TensorScope.open()) {
      List<Trainable> trainables = withGradients();
      float[] first = values(trainables.get(0).gradient());
      GradientClipping.clip(trainables, 0.25, Double.POSITIVE_INFINITY);
      float[] scaled = values(trainables.get(0).gradient());
      for (int j = 0; j < first.length; j++) {
        assertThat(scaled[j]).isEqualTo(first[j] * 0.25f); // a power of two: exact
      }
    }
  }

  @Test
  void measuresWithoutScalingUnderTheLimitAndLeavesNonFiniteGradientsAlone() {
    try (TensorScope scope = TensorScope.open()) {
      List<Trainable> trainables = withGradients();
      float[] first = values(trainables.get(0).gradient());
      double norm = GradientClipping.clip(trainables, 1, Double.POSITIVE_INFINITY);
      assertThat(norm).isPositive().isFinite();
      assertThat(values(trainables.get(0).gradient())).containsExactly(first);

      try (NoGradGuard g = new NoGradGuard()) {
        trainables.get(1).gradient().fill_(new Scalar(Double.NaN));
      }
      assertThat(GradientClipping.clip(trainables, 1, 1e-3)).isNaN();
      assertThat(values(trainables.get(0).gradient())).containsExactly(first);
    }
  }

  @Test
  void measureLeavesTheGradientsAndGivesTheFactorClipApplies() {
    try (TensorScope scope = TensorScope.open()) {
      List<Trainable> trainables = withGradients();
      float[] first = values(trainables.get(0).gradient());
      GradientClipping.Clip clip = GradientClipping.measure(trainables, 0.5, 1e-3);
      assertThat(values(trainables.get(0).gradient())).containsExactly(first);
      assertThat(clip.factor()).isLessThan(0.5); // the norm is far above 1e-3: clipped

      double norm = GradientClipping.clip(trainables, 0.5, 1e-3);
      assertThat(norm).isEqualTo(clip.norm());
      assertThat(clip.factor()).isEqualTo(0.5 * 1e-3 / (clip.norm() + 1e-6));
      float[] clipped = values(trainables.get(0).gradient());
      for (int j = 0; j < first.length; j++) {
        assertThat(clipped[j])
            .isEqualTo(
                (float) (first[j] * clip.factor()), within(1e-6f * Math.abs(clipped[j]) + 1e-30f));
      }
    }
  }

  /** A tiny bf16 decoder's LAYERNORM trainables, each holding a collected random gradient. */
  private static List<Trainable> withGradients() {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.BF16));
    TrainableParameters trainables =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM), true);
    Torch.seed(11);
    for (Trainable t : trainables.all()) {
      Tensor g = randn(t.param().sizes().vec().get()).to(ScalarType.BFloat16);
      t.param().mul(g).sum().backward();
    }
    trainables.collectGradients();
    return trainables.all();
  }

  private static float[] values(Tensor fp32) {
    FloatBuffer buffer = fp32.contiguous().createBuffer();
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }
}
