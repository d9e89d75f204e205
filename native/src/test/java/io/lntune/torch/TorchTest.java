package io.lntune.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.matmul;
import static org.bytedeco.pytorch.global.torch.randn;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class TorchTest {
  @Test
  void initIsIdempotentAndLiftsJavacppsMemoryLimit() {
    Torch.init();
    Torch.init();
    assertThat(Pointer.maxPhysicalBytes())
        .as("large off-heap weights must not trip JavaCPP's limit")
        .isZero();
  }

  @Test
  void seedingRepeatsRandomNumbers() {
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(123);
      double a = randn(5).sum().item_double();
      Torch.seed(123);
      double b = randn(5).sum().item_double();
      Torch.seed(124);
      double c = randn(5).sum().item_double();
      assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }
  }

  @Test
  void threadsCanBeSet() {
    int before = Torch.threads();
    try {
      Torch.setThreads(1);
      assertThat(Torch.threads()).isEqualTo(1);
    } finally {
      Torch.setThreads(before);
    }
    assertThatThrownBy(() -> Torch.setThreads(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noCudaOnTheCpuBuild() {
    assertThat(Torch.cudaAvailable()).isEqualTo(Torch.cudaDeviceCount() > 0);
  }

  @Test
  void libtorchErrorsBecomeOneLineWithContext() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor x = randn(2, 3);
      Tensor w = randn(4, 5);
      assertThatThrownBy(
              () ->
                  Torch.call(
                      () -> "matmul " + Tensors.shape(x) + " x " + Tensors.shape(w),
                      () -> matmul(x, w)))
          .isInstanceOfSatisfying(
              TorchException.class,
              e -> {
                assertThat(e.getMessage())
                    .startsWith("matmul [2, 3] x [4, 5]: ")
                    .doesNotContain("\n");
                assertThat(e.nativeMessage()).contains("cannot be multiplied");
                assertThat(e.getCause()).isExactlyInstanceOf(RuntimeException.class);
                assertThat(e.getCause().getMessage())
                    .contains("\n"); // the backtrace stays on the cause
              });
    }
  }

  @Test
  void usingAReleasedTensorIsReported() {
    Tensor t;
    try (TensorScope scope = TensorScope.open()) {
      t = randn(2);
    }
    assertThatThrownBy(() -> Torch.call("sum", () -> t.sum()))
        .isInstanceOf(TorchException.class)
        .hasMessageContaining("sum: a tensor or module was used after its memory scope closed");
  }

  @Test
  void javaExceptionsPassThrough() {
    IllegalStateException e = new IllegalStateException("mine");
    assertThatThrownBy(
            () ->
                Torch.call(
                    "x",
                    () -> {
                      throw e;
                    }))
        .isSameAs(e);
  }
}
