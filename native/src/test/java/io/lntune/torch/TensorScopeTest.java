package io.lntune.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class TensorScopeTest {
  private static final long MIB = 1L << 20;

  @Test
  void closingReleasesTemporariesButNotKeptTensors() {
    Tensor temp;
    Tensor kept;
    try (TensorScope scope = TensorScope.open()) {
      temp = randn(4);
      kept = scope.keep(randn(4).mul(new Scalar(2.0)));
    }
    assertThat(temp.isNull()).isTrue();
    assertThat(kept.isNull()).isFalse();
    assertThat(kept.numel()).isEqualTo(4);
    kept.close();
    assertThat(kept.isNull()).isTrue();
  }

  @Test
  void unscopedPointersOutliveEveryOpenScope() {
    Scalar constant;
    try (TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open()) {
      constant = TensorScope.unscoped(new Scalar(3.0));
    }
    assertThat(constant.isNull()).isFalse();
    assertThat(constant.toDouble()).isEqualTo(3.0);
  }

  @Test
  void returningHandsTheResultToTheEnclosingScope() {
    Tensor result;
    try (TensorScope outer = TensorScope.open()) {
      result = TensorScope.returning(() -> relu(randn(8).add(new Scalar(1.0))).sum());
      assertThat(result.isNull()).isFalse();
      assertThat(result.item_double()).isPositive();
    }
    assertThat(result.isNull()).as("freed with the enclosing scope").isTrue();
  }

  @Test
  void scopesAreNotSharedAcrossThreadsOrReused() throws Exception {
    TensorScope scope = TensorScope.open();
    Thread other =
        new Thread(
            () ->
                assertThatThrownBy(() -> scope.keep(new Tensor()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("belongs to thread"));
    other.start();
    other.join();
    scope.close();
    scope.close();
    assertThatThrownBy(() -> scope.keep(new Tensor()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  /** 10,000 steps that create and drop tensors: resident memory stays flat after warm-up. */
  @Test
  void tenThousandStepsKeepResidentMemoryFlat() {
    Torch.seed(0);
    Tensor weight = randn(64, 64);
    long warm = 0;
    double checksum = 0;
    for (int step = 0; step < 10_000; step++) {
      if (step == 1_000) {
        System.gc();
        warm = MemoryStats.residentBytes();
      }
      try (TensorScope scope = TensorScope.open()) {
        Tensor x = randn(16, 64);
        Tensor y = relu(x.matmul(weight)).add(new Scalar(0.5)).mul(x);
        checksum += y.mean().item_double();
      }
    }
    System.gc();
    long end = MemoryStats.residentBytes();
    double growth = (double) (end - warm) / warm;
    System.out.printf(
        "10,000 scoped steps: rss %d MiB after warm-up, %d MiB at the end (%+.2f%%)%n",
        warm / MIB, end / MIB, 100 * growth);
    assertThat(Double.isFinite(checksum)).isTrue();
    assertThat(growth).as("resident growth after warm-up").isLessThan(0.05);
    weight.close();
  }
}
