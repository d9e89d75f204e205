package io.lntune.models.nn;

import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.Torch;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Where and in which dtype a model's weights are created. Weights start as uninitialised storage
 * ({@code empty}): the pages are not committed until written, so building a model costs nothing
 * before its checkpoint is loaded (or {@link Init} fills it); on the {@code meta} device it costs
 * nothing at all.
 *
 * <pre>{@code
 * var llama = new LlamaModel(LlamaConfigs.llama2_13b(), Placement.meta(DType.F16));  // shapes only
 * var tiny = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
 * }</pre>
 *
 * @param device where weights live
 * @param dtype the dtype of floating-point weights
 */
public record Placement(Device device, DType dtype) {
  public Placement {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(dtype, "dtype");
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("weights need a floating-point dtype, got " + dtype);
    }
  }

  public static Placement cpu(DType dtype) {
    return new Placement(Device.cpu(), dtype);
  }

  public static Placement meta(DType dtype) {
    return new Placement(Device.meta(), dtype);
  }

  /** {@return uninitialised storage of {@code shape} in this placement} */
  public Tensor empty(long... shape) {
    Torch.init();
    TensorOptions options =
        new TensorOptions(device.toTorch()).dtype(new ScalarTypeOptional(dtype.scalarType()));
    return Torch.call(
        () -> "allocating " + Arrays.toString(shape) + " " + dtype + " on " + device,
        () -> torch.empty(shape, options, new MemoryFormatOptional()));
  }

  public boolean isMeta() {
    return device.kind() == Device.Kind.META;
  }
}
