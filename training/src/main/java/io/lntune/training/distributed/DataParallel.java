package io.lntune.training.distributed;

import static org.bytedeco.pytorch.global.torch.cat;

import io.lntune.torch.TensorScope;
import io.lntune.training.optim.TrainableParameters;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The data-parallel half of a training step: after every rank has run its share of the step's
 * micro-batches, their summed losses, supervised token counts and fp32 accumulated gradients are
 * summed over the ranks. The trainer then divides by the global token count, so each rank holds the
 * gradient one process would have computed on the whole global batch, and every rank clips and
 * updates identically. Only the trainable tensors' gradients travel, flattened into buckets of at
 * most {@link #BUCKET_BYTES}; frozen weights are never communicated. The buckets and the scalars
 * are reduced where the group's collectives take them: on the GPU for NCCL, on the CPU for Gloo.
 *
 * <pre>{@code
 * DataParallel parallel = new DataParallel(group, trainables);
 * trainer.setDataParallel(parallel);
 * }</pre>
 */
public final class DataParallel {
  /** The largest bucket of gradients all-reduced at once, as PyTorch DDP's default (25 MiB). */
  public static final long BUCKET_BYTES = 25L << 20;

  private final DistributedGroup group;
  private final TrainableParameters trainables;
  private final List<int[]> buckets; // indices into trainables.all(), in order
  private final long gradientBytes;

  /**
   * @param group the process group; every rank passes the same trainables in the same order
   * @param trainables the parameters whose gradients are summed
   */
  public DataParallel(DistributedGroup group, TrainableParameters trainables) {
    this.group = group;
    this.trainables = trainables;
    this.buckets = new ArrayList<>();
    long total = 0;
    long inBucket = 0;
    List<Integer> current = new ArrayList<>();
    for (int i = 0; i < trainables.all().size(); i++) {
      long bytes = trainables.all().get(i).param().numel() * Float.BYTES;
      if (!current.isEmpty() && inBucket + bytes > BUCKET_BYTES) {
        buckets.add(current.stream().mapToInt(Integer::intValue).toArray());
        current.clear();
        inBucket = 0;
      }
      current.add(i);
      inBucket += bytes;
      total += bytes;
    }
    buckets.add(current.stream().mapToInt(Integer::intValue).toArray());
    this.gradientBytes = total;
  }

  /** The step's totals over all ranks. */
  public record StepTotals(double lossSum, long tokens) {}

  /** {@return the process group} */
  public DistributedGroup group() {
    return group;
  }

  /**
   * {@return the bytes each rank all-reduces per optimizer step: the fp32 gradients of the
   * trainable tensors and the step's loss and token count}
   */
  public long bytesPerStep() {
    return gradientBytes + 2 * Double.BYTES;
  }

  /**
   * Sums this rank's share of a step over all ranks: the loss and token count, and the accumulated
   * gradients in place (a trainable no micro-batch reached here counts as a zero gradient, so every
   * rank sends the same layout).
   *
   * @param lossSum this rank's summed token losses
   * @param tokens this rank's supervised tokens
   * @param step the step, for the message if a rank fails
   * @return the sums over all ranks
   */
  public StepTotals allReduce(double lossSum, long tokens, long step) {
    StepTotals totals;
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor scalars =
          Tensor.create(new double[] {lossSum, tokens}, 2)
              .to(group.device().toTorch(), ScalarType.Double);
      group.allReduceSum(scalars, "the loss and token count of step " + step);
      double[] summed = new double[2];
      DoubleBuffer buffer = scalars.cpu().createBuffer();
      buffer.get(summed);
      totals = new StepTotals(summed[0], Math.round(summed[1]));
      List<Tensor> gradients = trainables.gradientsForReduction();
      for (int[] bucket : buckets) {
        reduceBucket(gradients, bucket, step);
      }
    }
    return totals;
  }

  /** Flattens the bucket's gradients into one fp32 tensor, sums it and copies the parts back. */
  private void reduceBucket(List<Tensor> gradients, int[] bucket, long step) {
    TensorVector parts = new TensorVector();
    for (int i : bucket) {
      parts.push_back(gradients.get(i).to(ScalarType.Float).reshape(-1));
    }
    Tensor flat = cat(parts);
    group.allReduceSum(flat, "the gradients of step " + step);
    long offset = 0;
    for (int i : bucket) {
      Tensor gradient = gradients.get(i);
      long n = gradient.numel();
      gradient.copy_(flat.narrow(0, offset, n).view_as(gradient));
      offset += n;
    }
  }
}
