package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NormTest {
  @Test
  void rmsNormMatchesTheFormulaAndKeepsTheInputDtype() {
    Torch.seed(3);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      RmsNorm norm = new RmsNorm(8, 1e-5, Placement.cpu(DType.F32));
      norm.weight().copy_(randn(8));
      Tensor x = randn(2, 5, 8).mul(new Scalar(3.0));
      Tensor expected =
          x.div(
                  x.pow(new Scalar(2L))
                      .mean(new long[] {-1}, true, new ScalarTypeOptional())
                      .add(new Scalar(1e-5))
                      .sqrt())
              .mul(norm.weight());
      assertThat(norm.forward(x).sub(expected).abs().max().item_double()).isLessThan(1e-6);

      Tensor bf = norm.forward(x.to(ScalarType.BFloat16)); // fp32 weight, bf16 activations
      assertThat(DType.of(bf.scalar_type())).isEqualTo(DType.BF16);
      assertThat(bf.to(ScalarType.Float).sub(expected).abs().max().item_double()).isLessThan(0.05);
    }
  }

  /**
   * The gradients, to the input and the gain, equal those of Hugging Face's formula (a mean of
   * squares, rsqrt, a cast, the gain): to rounding in fp64, and to a bf16 step in bf16, where the
   * two orders of operations may round a few elements differently.
   */
  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16"})
  void rmsNormGradientsEqualTheReferenceFormulas(DType dtype) {
    Torch.seed(5);
    try (TensorScope scope = TensorScope.open()) {
      RmsNorm norm = new RmsNorm(768, 1e-5, Placement.cpu(dtype));
      Tensor weight = norm.weight();
      try (NoGradGuard g = new NoGradGuard()) {
        weight.copy_(randn(768).mul(new Scalar(0.1)).add(new Scalar(1.0)));
      }
      weight.requires_grad_(true);
      Tensor x =
          randn(2, 256, 768).mul(new Scalar(2.0)).to(dtype.scalarType()).requires_grad_(true);
      Tensor upstream = randn(2, 256, 768).to(dtype.scalarType());

      norm.forward(x).mul(upstream).sum().backward(); // upstream is d(loss)/d(output)
      Tensor ours = x.grad().clone();
      Tensor oursWeight = weight.grad().clone();
      x.mutable_grad().reset();
      weight.mutable_grad().reset();

      Tensor up = x.to(ScalarType.Float);
      Tensor variance =
          up.pow(new Scalar(2L)).mean(new long[] {-1}, true, new ScalarTypeOptional());
      weight
          .mul(up.mul(variance.add(new Scalar(1e-5)).rsqrt()).to(dtype.scalarType()))
          .mul(upstream)
          .sum()
          .backward();

      double tolerance =
          dtype == DType.F32 ? 1e-5 : 1.0 / 128; // a bf16 step, relative to the largest
      assertThat(ours.sub(x.grad()).abs().max().item_double())
          .isLessThanOrEqualTo(tolerance * x.grad().abs().max().item_double());
      assertThat(oursWeight.sub(weight.grad()).abs().max().item_double())
          .isLessThanOrEqualTo(tolerance * weight.grad().abs().max().item_double());
      if (dtype == DType.BF16) {
        assertThat(ours.ne(x.grad()).sum().item_double())
            .as("elements rounded differently")
            .isLessThan(0.001 * ours.numel());
      }
    }
  }

  @Test
  void layerNormComputesInFp32() {
    Torch.seed(4);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      LayerNorm norm = new LayerNorm(6, 1e-5, Placement.cpu(DType.BF16));
      Init.normal(norm, 0.02, 1);
      Tensor x =
          randn(3, 6)
              .add(new Scalar(100.0))
              .to(ScalarType.BFloat16); // a large mean: bf16 statistics would lose it
      Tensor y = norm.forward(x);
      assertThat(DType.of(y.scalar_type())).isEqualTo(DType.BF16);
      Tensor x32 = x.to(ScalarType.Float);
      Tensor mean = x32.mean(new long[] {-1}, true, new ScalarTypeOptional());
      Tensor var =
          x32.sub(mean).pow(new Scalar(2L)).mean(new long[] {-1}, true, new ScalarTypeOptional());
      Tensor expected = x32.sub(mean).div(var.add(new Scalar(1e-5)).sqrt());
      assertThat(y.to(ScalarType.Float).sub(expected).abs().max().item_double()).isLessThan(0.02);
    }
  }

  @Test
  void layerNormPassesShapesThroughOnTheMetaDevice() {
    LayerNorm norm = new LayerNorm(6, 1e-5, Placement.meta(DType.BF16));
    try (TensorScope scope = TensorScope.open()) {
      Tensor y = norm.forward(Placement.meta(DType.BF16).empty(2, 3, 6));
      assertThat(y.is_meta()).isTrue();
      assertThat(y.sizes().vec().get()).containsExactly(2, 3, 6);
      assertThat(DType.of(y.scalar_type())).isEqualTo(DType.BF16);
      assertThatThrownBy(() -> norm.forward(Placement.meta(DType.BF16).empty(2, 5)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("LayerNorm over 6 features got input [2, 5]");
    }
  }

  @Test
  void initFillsMatricesNormsAndBiases() {
    Linear linear = new Linear(64, 32, true, Placement.cpu(DType.F32));
    Init.normal(linear, 0.02, 9);
    try (TensorScope scope = TensorScope.open()) {
      // Tensor.std() with no arguments crashes the JVM in this JavaCPP build; compute it by hand.
      double std = linear.weight().pow(new Scalar(2L)).mean().sqrt().item_double();
      assertThat(std).isBetween(0.018, 0.022);
      assertThat(Modules.namedParameters(linear).get("bias").abs().sum().item_double()).isZero();
      assertThat(Modules.parameterCount(linear)).isEqualTo(64 * 32 + 32);
    }
  }
}
