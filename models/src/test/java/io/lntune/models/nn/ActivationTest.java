package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ActivationTest {
  @Test
  void computeTheirFormulas() {
    Torch.seed(5);
    try (TensorScope scope = TensorScope.open()) {
      Tensor x = randn(4, 9).mul(new Scalar(3.0));
      Tensor quick = x.div(x.mul(new Scalar(-1.702)).exp().add(new Scalar(1.0)));
      assertThat(Activation.QUICK_GELU.apply(x).sub(quick).abs().max().item_double())
          .isLessThan(1e-6);
      Tensor exact =
          x.mul(x.div(new Scalar(Math.sqrt(2))).erf().add(new Scalar(1.0))).mul(new Scalar(0.5));
      assertThat(Activation.GELU.apply(x).sub(exact).abs().max().item_double()).isLessThan(1e-6);
      assertThat(Activation.GELU.apply(x).sub(quick).abs().max().item_double())
          .as("the two differ")
          .isGreaterThan(1e-3);
    }
  }

  @Test
  void parseHuggingFaceNames() {
    assertThat(Activation.fromHf("quick_gelu")).isEqualTo(Activation.QUICK_GELU);
    assertThat(Activation.fromHf(" GELU ")).isEqualTo(Activation.GELU);
    assertThatThrownBy(() -> Activation.fromHf("gelu_new"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported activation 'gelu_new': expected one of quick_gelu, gelu");
  }
}
