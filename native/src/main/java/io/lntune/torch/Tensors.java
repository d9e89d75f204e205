package io.lntune.torch;

import java.util.Arrays;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Small helpers for messages, shape checks and reading small tensors into Java. (Tensor ops
 * themselves are libtorch's, through {@code org.bytedeco.pytorch.global.torch}; lntune does not
 * wrap them.)
 */
public final class Tensors {
  private Tensors() {}

  /** {@return the shape of {@code t} as {@code [2, 3]}, or {@code undefined}} */
  public static String shape(Tensor t) {
    if (t == null || t.isNull() || !t.defined()) {
      return "undefined";
    }
    return Arrays.toString(t.sizes().vec().get());
  }

  /** {@return the shape, dtype and device of {@code t}, e.g. {@code [2, 3] BF16 cpu}} */
  public static String describe(Tensor t) {
    if (t == null || t.isNull() || !t.defined()) {
      return "undefined";
    }
    return shape(t) + " " + DType.of(t.scalar_type()) + " " + t.device().str().getString();
  }

  /**
   * {@return the first {@code n} elements of {@code t} (any device, any integer or float dtype) as
   * longs}
   */
  public static long[] longs(Tensor t, int n) {
    long[] out = new long[n];
    try (TensorScope scope = TensorScope.open()) {
      new LongPointer(t.to(ScalarType.Long).cpu().contiguous().data_ptr()).get(out);
    }
    return out;
  }

  /** {@return the product of {@code shape}} @throws ArithmeticException on overflow */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
