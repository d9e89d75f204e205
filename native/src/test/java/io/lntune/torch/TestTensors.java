package io.lntune.torch;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Reads tensors back into Java arrays for assertions. */
public final class TestTensors {
  private TestTensors() {}

  /** {@return the raw bytes of {@code t} in row-major order} */
  public static byte[] bytes(Tensor t) {
    Tensor c = t.contiguous();
    byte[] out = new byte[(int) c.nbytes()];
    if (out.length > 0) {
      new BytePointer(c.data_ptr()).get(out);
    }
    return out;
  }

  /** {@return the values of {@code t} converted to double, in row-major order} */
  public static double[] doubles(Tensor t) {
    Tensor c = t.to(ScalarType.Double).contiguous();
    double[] out = new double[(int) c.numel()];
    if (out.length > 0) {
      new DoublePointer(c.data_ptr()).get(out);
    }
    return out;
  }

  /** {@return the shape of {@code t}} */
  public static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }
}
