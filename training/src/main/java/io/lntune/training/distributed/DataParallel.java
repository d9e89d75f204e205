package io.lntune.training.distributed;

import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.training.optim.TrainableParameters;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The data-parallel half of a training step: after every rank has run its share of the step's
 * micro-batches, their summed losses, supervised token counts and fp32 accumulated gradients are
 * summed over the ranks. The trainer then divides by the global token count, so each rank holds the
 * gradient one process would have computed on the whole global batch, and every rank clips and
 * updates identically. Only the trainable tensors' gradients travel, in buckets of at most {@link
 * #BUCKET_BYTES}; frozen weights are never communicated.
 *
 * <p>As PyTorch's DDP, the all-reduce overlaps the step's last backward pass: a gradient hook on
 * every trainable parameter puts its gradient (plus what the earlier micro-batches accumulated) in
 * its bucket, and a bucket whose gradients are all in starts its all-reduce while the backward goes
 * on. The buckets hold the parameters from the last to the first, the order in which the backward
 * reaches them, and start in that order on every rank (collectives must match); those a backward
 * did not complete start after it. The buckets keep one fp32 copy of the trainable gradients, as
 * DDP's do. A parameter that gets two gradients in one backward (a task that backpropagates twice)
 * would have been summed too early: every rank then sums every bucket again after the backward.
 *
 * <pre>{@code
 * try (DataParallel parallel = new DataParallel(group, trainables)) {
 *   trainer.setDataParallel(parallel);   // the trainer calls reduceDuringNextBackward and allReduce
 *   trainer.run(data);
 * }
 * }</pre>
 */
public final class DataParallel implements AutoCloseable {
  /** The largest bucket of gradients all-reduced at once, as PyTorch DDP's default (25 MiB). */
  public static final long BUCKET_BYTES = 25L << 20;

  private final DistributedGroup group;
  private final TrainableParameters trainables;
  private final List<GradientBucket> buckets; // in launch order
  private final int[] bucketOf; // trainable index -> its bucket
  private final int[] positionOf; // trainable index -> its position in the bucket
  private final List<VoidTensorHook> hooks = new ArrayList<>(); // libtorch calls them: keep them
  private final int[] hookHandles;
  private final long gradientBytes;

  // The step's state: set by reduceDuringNextBackward, advanced by the hooks (on autograd's threads
  // on CUDA, hence the lock), ended by allReduce.
  private boolean armed;
  private long step;
  private int launched; // buckets started this step, a prefix of buckets
  private int launchedInBackward;
  private int lastLaunchedInBackward;
  private boolean reachedTwice;
  private RuntimeException hookFailure;

  /**
   * Buckets of {@link #BUCKET_BYTES}.
   *
   * @param group the process group; every rank passes the same trainables in the same order
   * @param trainables the parameters whose gradients are summed
   */
  public DataParallel(DistributedGroup group, TrainableParameters trainables) {
    this(group, trainables, BUCKET_BYTES);
  }

  /**
   * @param group the process group; every rank passes the same trainables in the same order
   * @param trainables the parameters whose gradients are summed
   * @param bucketBytes the largest bucket (a parameter larger than this has one of its own)
   * @throws IllegalArgumentException if {@code bucketBytes} is not positive
   */
  public DataParallel(DistributedGroup group, TrainableParameters trainables, long bucketBytes) {
    if (bucketBytes < 1) {
      throw new IllegalArgumentException("bucketBytes must be >= 1, got " + bucketBytes);
    }
    this.group = group;
    this.trainables = trainables;
    int count = trainables.all().size();
    this.bucketOf = new int[count];
    this.positionOf = new int[count];
    this.buckets = bucketsFromLast(bucketBytes);
    this.gradientBytes = buckets.stream().mapToLong(GradientBucket::bytes).sum();
    this.hookHandles = new int[count];
    for (int i = 0; i < count; i++) {
      int index = i;
      VoidTensorHook hook =
          TensorScope.unscoped(
              new VoidTensorHook() {
                @Override
                public void call(TensorBase gradient) {
                  gradientArrived(index, gradient);
                }
              });
      hooks.add(hook);
      hookHandles[i] = trainables.all().get(i).param().register_hook(hook);
    }
  }

  /** Groups the trainables, from the last to the first, into buckets of at most {@code limit}. */
  private List<GradientBucket> bucketsFromLast(long limit) {
    List<GradientBucket> out = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long inBucket = 0;
    for (int i = trainables.all().size() - 1; i >= 0; i--) {
      long bytes = trainables.all().get(i).param().numel() * Float.BYTES;
      if (!current.isEmpty() && inBucket + bytes > limit) {
        out.add(bucket(out.size(), current));
        current.clear();
        inBucket = 0;
      }
      current.add(i);
      inBucket += bytes;
    }
    out.add(bucket(out.size(), current));
    return out;
  }

  private GradientBucket bucket(int number, List<Integer> members) {
    for (int m = 0; m < members.size(); m++) {
      bucketOf[members.get(m)] = number;
      positionOf[members.get(m)] = m;
    }
    return new GradientBucket(
        members.stream().mapToInt(Integer::intValue).toArray(), trainables.all());
  }

  /** The step's totals over all ranks. */
  public record StepTotals(double lossSum, long tokens) {}

  /** {@return the process group} */
  public DistributedGroup group() {
    return group;
  }

  /**
   * {@return the bytes each rank all-reduces per optimizer step: the fp32 gradients of the
   * trainable tensors, and the step's loss, token count and a flag}
   */
  public long bytesPerStep() {
    return bytesPerStep(gradientBytes / Float.BYTES);
  }

  /**
   * {@return the bytes each rank all-reduces per optimizer step when {@code trainableElements}
   * parameters train: their fp32 gradients, and the step's loss, token count and a flag, three
   * doubles} For a model that is not built, such as a paper-scale preset counted on the meta
   * device.
   */
  public static long bytesPerStep(long trainableElements) {
    return trainableElements * Float.BYTES + 3 * Double.BYTES;
  }

  /** {@return the number of buckets} */
  public int buckets() {
    return buckets.size();
  }

  /**
   * {@return how many buckets the last {@link #allReduce} found started during the backward pass
   * (the rest started after it)}
   */
  public synchronized int launchedDuringBackward() {
    return lastLaunchedInBackward;
  }

  /**
   * Makes the next backward pass, the step's last (its earlier micro-batches' gradients are
   * accumulated), start each bucket's all-reduce as soon as its gradients are in. {@link
   * #allReduce} must follow.
   *
   * @param step the step, for the message if a rank fails
   */
  public synchronized void reduceDuringNextBackward(long step) {
    this.step = step;
    armed = true;
  }

  /** A gradient hook: {@code incoming} is trainable {@code index}'s gradient from the backward. */
  private void gradientArrived(int index, TensorBase incoming) {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      scope.adopt(incoming);
      synchronized (this) {
        if (armed && hookFailure == null) {
          take(index, new Tensor(incoming));
        }
      }
    } catch (RuntimeException e) { // thrown into libtorch it would end the backward half done
      synchronized (this) {
        if (hookFailure == null) {
          hookFailure = e;
        }
      }
    }
  }

  /** Puts trainable {@code index}'s step gradient in its bucket and starts what is complete. */
  private void take(int index, Tensor incoming) {
    Optional<Tensor> accumulated = trainables.accumulated(index);
    // As collectGradients and AccumulateGrad will add it, to the same bits.
    Tensor local = accumulated.isPresent() ? accumulated.get().add(incoming) : incoming;
    if (!buckets.get(bucketOf[index]).arrive(positionOf[index], local)) {
      reachedTwice = true;
      return;
    }
    while (launched < buckets.size() && buckets.get(launched).complete()) {
      launch();
      launchedInBackward++;
    }
  }

  private void launch() {
    buckets
        .get(launched)
        .launch(
            group,
            "the gradients of step "
                + step
                + " (bucket "
                + (launched + 1)
                + " of "
                + buckets.size()
                + ")");
    launched++;
  }

  /**
   * Sums this rank's share of a step over all ranks: the loss and token count, and the accumulated
   * gradients in place (a trainable no micro-batch reached here counts as a zero gradient, so every
   * rank sends the same layout). Starts the buckets the backward did not, and waits for all.
   *
   * @param lossSum this rank's summed token losses
   * @param tokens this rank's supervised tokens
   * @param step the step, for the message if a rank fails
   * @return the sums over all ranks
   * @throws LntuneException if a collective failed, or a gradient hook did
   */
  public synchronized StepTotals allReduce(double lossSum, long tokens, long step) {
    armed = false;
    this.step = step;
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      if (hookFailure != null) {
        throw new LntuneException(
            "rank " + group.rank() + ": a gradient hook of step " + step + " failed", hookFailure);
      }
      List<Tensor> gradients = trainables.gradientsForReduction();
      while (launched < buckets.size()) {
        buckets.get(launched).fill(gradients);
        launch();
      }
      Tensor scalars =
          Tensor.create(new double[] {lossSum, tokens, reachedTwice ? 1 : 0}, 3)
              .to(group.device().toTorch(), ScalarType.Double);
      DistributedGroup.Pending sums =
          group.startAllReduceSum(scalars, "the loss and token count of step " + step);
      buckets.forEach(GradientBucket::await);
      sums.await();
      double[] summed = new double[3];
      DoubleBuffer buffer = scalars.cpu().createBuffer();
      buffer.get(summed);
      if (summed[2] > 0) { // some rank's early sums missed a second gradient: sum them all again
        for (GradientBucket bucket : buckets) {
          bucket.fill(gradients);
          bucket.launch(group, "the gradients of step " + step + ", again");
          bucket.await();
        }
      }
      buckets.forEach(b -> b.copyBack(gradients));
      return new StepTotals(summed[0], Math.round(summed[1]));
    } finally {
      lastLaunchedInBackward = launchedInBackward;
      launched = 0;
      launchedInBackward = 0;
      reachedTwice = false;
    }
  }

  /** Removes the gradient hooks (the model trains on without them) and frees the buckets. */
  @Override
  public synchronized void close() {
    if (hooks.isEmpty()) {
      return;
    }
    for (int i = 0; i < hooks.size(); i++) {
      trainables.all().get(i).param().remove_hook(hookHandles[i]);
      hooks.get(i).close();
    }
    hooks.clear();
    buckets.forEach(GradientBucket::close);
  }
}
