package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class PackedDropoutTest {
  private static final int ELEMENTS = 1 << 20;

  @Test
  void dropsWithTheQuantizedProbabilityInEveryLane() {
    PackedDropout dropout = new PackedDropout(0.05);
    assertThat(dropout.keepProbability()).isEqualTo(1 - 3277.0 / 65536);
    Torch.seed(3);
    try (TensorScope scope = TensorScope.open()) {
      Tensor dropped = dropout.dropUnscaled(ones(ELEMENTS)).eq(new Scalar(0.0)); // [N] bool
      double p = 1 - dropout.keepProbability();
      // Each of the four lanes of a 64-bit draw on its own (lane k: elements k, k+4, ...): a
      // biased lane (the sign bit of a non-negative draw, say) would drop at 0 or 2p.
      for (int lane = 0; lane < 4; lane++) {
        long n = ELEMENTS / 4;
        double rate = dropped.view(-1, 4).select(1, lane).to(ScalarType.Float).mean().item_double();
        double sigma = Math.sqrt(p * (1 - p) / n);
        assertThat(Math.abs(rate - p)).as("lane %d drop rate %f", lane, rate).isLessThan(5 * sigma);
      }
    }
  }

  @Test
  void keepsOtherElementsExactlyAndRepeatsPerSeed() {
    PackedDropout dropout = new PackedDropout(0.3);
    try (TensorScope scope = TensorScope.open()) {
      Tensor x = randn(3, 7, 11).to(ScalarType.BFloat16);
      Torch.seed(8);
      Tensor first = dropout.dropUnscaled(x);
      Torch.seed(8);
      Tensor again = dropout.dropUnscaled(x);
      assertThat(first.equal(again)).isTrue();
      assertThat(first.scalar_type().intern()).isEqualTo(ScalarType.BFloat16);
      Tensor kept = first.ne(new Scalar(0.0));
      assertThat(first.masked_select(kept).equal(x.masked_select(kept))).isTrue();
      assertThat(kept.logical_not().sum().item_long()).isPositive();
    }
  }

  @Test
  void gradientFlowsThroughKeptElementsOnly() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor x = randn(64, 32).requires_grad_(true);
      Torch.seed(2);
      Tensor y = new PackedDropout(0.5).dropUnscaled(x);
      y.mul(new Scalar(3.0)).sum().backward();
      Tensor expected = y.ne(new Scalar(0.0)).to(ScalarType.Float).mul(new Scalar(3.0));
      assertThat(x.grad().equal(expected)).isTrue();
    }
  }

  @Test
  void zeroProbabilityIsTheIdentityAndOneIsRefused() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor x = randn(4, 4);
      assertThat(new PackedDropout(0.0).dropUnscaled(x).equal(x)).isTrue();
    }
    assertThatThrownBy(() -> new PackedDropout(1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[0, 1)");
  }
}
