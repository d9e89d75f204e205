package io.lntune.training.distributed;

import static org.bytedeco.pytorch.global.torch.zeros;

import io.lntune.torch.TensorScope;
import io.lntune.training.optim.Trainable;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Trainables whose gradients are all-reduced together, in one fp32 tensor on their device (as DDP's
 * buckets, allocated once). Each step it is filled, one member at a time as its gradient arrives in
 * the backward pass or all at once from the accumulated gradients after it, then launched, awaited,
 * and copied back into the accumulated gradients. Not thread-safe: {@link DataParallel} calls it
 * under its lock.
 */
final class GradientBucket implements AutoCloseable {
  private final int[] members; // indices into the trainables, in the order they sit in flat
  private final long[] offsets;
  private final Tensor flat;
  private final boolean[] arrived;
  private int arrivals;
  private DistributedGroup.Pending pending;

  /**
   * @param members indices into {@code all}
   * @param all every trainable; the members' masters give the device
   */
  GradientBucket(int[] members, List<Trainable> all) {
    this.members = members.clone();
    this.offsets = new long[members.length];
    long numel = 0;
    for (int m = 0; m < members.length; m++) {
      offsets[m] = numel;
      numel += all.get(members[m]).param().numel();
    }
    Tensor master = all.get(members[0]).master();
    this.flat =
        TensorScope.unscoped(
            zeros(
                new long[] {numel},
                new TensorOptions(ScalarType.Float).device(new DeviceOptional(master.device()))));
    this.arrived = new boolean[members.length];
  }

  /** {@return the bytes all-reduced} */
  long bytes() {
    return flat.numel() * Float.BYTES;
  }

  /**
   * Puts member {@code position}'s gradient for this step in place.
   *
   * @param local the whole step's gradient of this rank, in its accumulator's dtype
   * @return false if the member's gradient had already arrived this step (the first is kept)
   */
  boolean arrive(int position, Tensor local) {
    if (arrived[position]) {
      return false;
    }
    slice(position).copy_(local.reshape(-1));
    arrived[position] = true;
    arrivals++;
    return true;
  }

  /** {@return whether every member's gradient has arrived} */
  boolean complete() {
    return arrivals == members.length;
  }

  /** Puts every member's gradient in place from {@code gradients} (the accumulated ones). */
  void fill(List<Tensor> gradients) {
    for (int m = 0; m < members.length; m++) {
      slice(m).copy_(gradients.get(members[m]).reshape(-1));
    }
  }

  /** Starts the sum over the ranks. */
  void launch(DistributedGroup group, String what) {
    pending = group.startAllReduceSum(flat, what);
  }

  /** Waits for the sum started by {@link #launch}. */
  void await() {
    DistributedGroup.Pending started = pending;
    pending = null;
    started.await();
  }

  /**
   * Copies the sums into {@code gradients} (the accumulated ones) and makes the bucket ready for
   * the next step.
   */
  void copyBack(List<Tensor> gradients) {
    for (int m = 0; m < members.length; m++) {
      Tensor gradient = gradients.get(members[m]);
      gradient.copy_(slice(m).view_as(gradient));
    }
    Arrays.fill(arrived, false);
    arrivals = 0;
  }

  /** Frees the flat tensor. */
  @Override
  public void close() {
    flat.close();
  }

  private Tensor slice(int position) {
    long end = position + 1 < offsets.length ? offsets[position + 1] : flat.numel();
    return flat.narrow(0, offsets[position], end - offsets[position]);
  }
}
