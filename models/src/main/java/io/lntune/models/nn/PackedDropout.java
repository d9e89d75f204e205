package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.empty;
import static org.bytedeco.pytorch.global.torch.where;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Dropout that draws a quarter of the random numbers libtorch's does. libtorch's CPU dropout draws
 * one 64-bit number per element from a serial generator: for LoRA's seven adapters per layer that
 * was a third of a CPU training step. Here each 64-bit draw is split into four 16-bit lanes, and an
 * element is dropped when its lane falls below {@code round(p * 65536)}: a Bernoulli draw per
 * element, independent across elements, with the probability quantized to 1/65536 (0.05 becomes
 * 3277/65536 = 0.050003). The mask is a bool tensor, and the kept elements are not rescaled: the
 * caller folds {@code 1 / keepProbability()} into a later product by a number, where it costs no
 * pass of its own.
 *
 * <pre>{@code
 * PackedDropout dropout = new PackedDropout(0.05);
 * Tensor dropped = dropout.dropUnscaled(x);                    // x, or 0 with probability ~0.05
 * Tensor y = a.forward(dropped).mul(new Scalar(scale / dropout.keepProbability()));
 * }</pre>
 */
public final class PackedDropout {
  private static final int LANE_VALUES = 1 << 16;
  private static final int LANES_PER_DRAW = 4;

  private final long dropBelow;
  private final double keepProbability;

  /**
   * @param p the probability of dropping an element, in [0, 1)
   * @throws IllegalArgumentException if {@code p} is outside [0, 1)
   */
  public PackedDropout(double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
    long dropped = Math.min(Math.round(p * LANE_VALUES), LANE_VALUES - 1);
    this.dropBelow = Short.MIN_VALUE + dropped;
    this.keepProbability = 1.0 - (double) dropped / LANE_VALUES;
  }

  /** {@return the probability that an element is kept, after quantization} */
  public double keepProbability() {
    return keepProbability;
  }

  /**
   * {@return {@code x} with each element set to zero independently with the drop probability, the
   * others unchanged (not divided by {@link #keepProbability()})} Backward saves only the bool
   * mask.
   */
  public Tensor dropUnscaled(Tensor x) {
    if (keepProbability == 1.0) {
      return x;
    }
    long elements = x.numel();
    // on the input's device, with that device's generator
    TensorOptions int64 = new TensorOptions(ScalarType.Long).device(new DeviceOptional(x.device()));
    // random_(INT64_MIN, none) draws the full 64 bits: every lane, the top one included, is uniform
    Tensor draws =
        empty(
                new long[] {(elements + LANES_PER_DRAW - 1) / LANES_PER_DRAW},
                int64,
                new MemoryFormatOptional())
            .random_(Long.MIN_VALUE, new LongOptional());
    Tensor lanes = draws.view(ScalarType.Short).narrow(0, 0, elements).view(x.sizes());
    Tensor keep = lanes.ge(new Scalar(dropBelow));
    return where(keep, x, new Scalar(0.0));
  }
}
