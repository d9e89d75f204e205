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
 * <p>A model that a checkpoint will fill whole can skip even the allocation: {@link #forLoading()}
 * makes every weight a placeholder of the right shape over one element, which loading replaces.
 * Building a 1 GiB decoder of 669 empty weights took 15-50 ms on two cores, against 6-11 ms for the
 * same modules on the meta device: glibc's time, up to a fifth of loading the model.
 *
 * <pre>{@code
 * var llama = new LlamaModel(LlamaConfigs.llama2_13b(), Placement.meta(DType.F16));  // shapes only
 * var tiny = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
 * }</pre>
 *
 * @param device where weights live
 * @param dtype the dtype of floating-point weights
 * @param placeholders whether {@link #empty} makes placeholders, for a model that a load replaces
 *     whole
 */
public record Placement(Device device, DType dtype, boolean placeholders) {
  public Placement {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(dtype, "dtype");
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("weights need a floating-point dtype, got " + dtype);
    }
  }

  /** A placement that allocates its weights. */
  public Placement(Device device, DType dtype) {
    this(device, dtype, false);
  }

  public static Placement cpu(DType dtype) {
    return new Placement(Device.cpu(), dtype);
  }

  public static Placement meta(DType dtype) {
    return new Placement(Device.meta(), dtype);
  }

  /**
   * {@return this placement, making placeholders} Only for building a model that a checkpoint load
   * then replaces whole: a placeholder's values all share one element. {@link
   * io.lntune.models.load.StateDictLoader} refuses to leave one in place.
   */
  public Placement forLoading() {
    return new Placement(device, dtype, true);
  }

  /** {@return this placement, allocating} What a model keeps for the tensors it makes later. */
  public Placement allocating() {
    return placeholders ? new Placement(device, dtype) : this;
  }

  /** {@return uninitialised storage of {@code shape} in this placement, or a placeholder} */
  public Tensor empty(long... shape) {
    Torch.init();
    TensorOptions options =
        new TensorOptions(device.toTorch()).dtype(new ScalarTypeOptional(dtype.scalarType()));
    return Torch.call(
        () -> "allocating " + Arrays.toString(shape) + " " + dtype + " on " + device,
        () ->
            placeholders
                ? torch.empty_strided(shape, new long[shape.length], options)
                : torch.empty(shape, options, new MemoryFormatOptional()));
  }

  /**
   * {@return whether {@code t} is a placeholder that {@link #forLoading()} made} Every stride 0
   * over more than one element: no weight of a model has that layout otherwise.
   */
  public static boolean isPlaceholder(Tensor t) {
    return t.numel() > 1 && Arrays.stream(t.strides().vec().get()).allMatch(s -> s == 0);
  }

  public boolean isMeta() {
    return device.kind() == Device.Kind.META;
  }
}
