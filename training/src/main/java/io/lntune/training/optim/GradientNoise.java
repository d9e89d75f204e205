package io.lntune.training.optim;

import io.lntune.torch.TensorScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The paper's gradient-variance analysis for one optimizer step: per optimizer group, the norm of
 * the step's gradient and the variance of the gradient across the step's micro-batches.
 *
 * <p>Why across micro-batches: they are independent draws of the stochastic gradient at the same
 * parameters, so their spread is the gradient noise itself. A variance across steps (an exponential
 * average) would also count how the gradient changes as the parameters move, which is not noise. It
 * needs two or more micro-batches per step.
 *
 * <p>Each micro-batch's gradient is its summed token losses' gradient divided by its own supervised
 * tokens, the gradient of its mean loss; the variance is the unbiased sample variance of those
 * gradients, averaged over the group's elements: {@code sum_i |g_i - mean|^2 / ((n - 1) *
 * elements)}, accumulated by Welford's update so that a small spread around a large mean does not
 * cancel away. Each micro-batch's gradient is the accumulated gradient's growth since the one
 * before; the measurement holds three fp32 copies of the trainable gradients while a step is
 * measured, and nothing otherwise.
 *
 * <pre>{@code
 * GradientNoise noise = GradientNoise.start(optimizer.groups());
 * for (Batch b : microBatches) {
 *   task.loss(b).backward();
 *   trainables.collectGradients();
 *   noise.afterMicroBatch(b.supervisedTokens());
 * }
 * Map<String, GradientNoise.Stats> stats = noise.finish(totalTokens);   // before the gradients are scaled
 * }</pre>
 */
public final class GradientNoise implements AutoCloseable {
  /** The name under which {@link #finish} reports all groups together. */
  public static final String ALL = "all";

  /**
   * One group's figures for one step.
   *
   * @param norm the L2 norm of the step's gradient (the mean loss over all its tokens), before
   *     clipping
   * @param variance the variance of one element's micro-batch gradient, averaged over the group's
   *     elements; NaN with fewer than two micro-batches
   * @param elements the number of elements in the group
   * @param microBatches the micro-batches the variance is over
   */
  public record Stats(double norm, double variance, long elements, int microBatches) {}

  private final Map<String, List<Trainable>> groups = new LinkedHashMap<>();
  private final Map<Trainable, Tensor> previous =
      new LinkedHashMap<>(); // accumulated gradient so far, fp32
  private final Map<Trainable, Tensor> mean =
      new LinkedHashMap<>(); // of the micro-batches' mean-loss gradients
  private final Map<Trainable, Tensor> squaredDeviations = new LinkedHashMap<>(); // Welford's M2
  private int microBatches;

  private GradientNoise(List<AdamW.Group> groups) {
    for (AdamW.Group g : groups) {
      this.groups.put(g.name(), g.params());
      for (Trainable t : g.params()) {
        previous.put(t, TensorScope.unscoped(t.master().new_zeros(t.master().sizes())));
        mean.put(t, TensorScope.unscoped(t.master().new_zeros(t.master().sizes())));
        squaredDeviations.put(t, TensorScope.unscoped(t.master().new_zeros(t.master().sizes())));
      }
    }
  }

  /**
   * Starts measuring a step; call before its first micro-batch, with no gradient accumulated yet.
   *
   * @param groups the optimizer's groups, whose names the figures carry
   * @return the measurement; close it (or {@link #finish} it) to free its buffers
   */
  public static GradientNoise start(List<AdamW.Group> groups) {
    return new GradientNoise(groups);
  }

  /**
   * Takes in the micro-batch whose gradient was just collected ({@link
   * TrainableParameters#collectGradients}).
   *
   * @param tokens the micro-batch's supervised tokens, which its summed loss was over
   * @throws IllegalArgumentException if {@code tokens} is not positive
   */
  public void afterMicroBatch(long tokens) {
    if (tokens <= 0) {
      throw new IllegalArgumentException("a micro-batch needs supervised tokens, got " + tokens);
    }
    microBatches++;
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Scalar perToken = new Scalar(1.0 / tokens);
      Scalar perMicroBatch = new Scalar(1.0 / microBatches);
      for (Map.Entry<Trainable, Tensor> e : previous.entrySet()) {
        Trainable t = e.getKey();
        Tensor accumulated = t.gradient();
        // Nothing reached the parameter yet: its micro-batch gradient is 0.
        Tensor mine =
            accumulated == null
                ? e.getValue().new_zeros(e.getValue().sizes())
                : accumulated.sub(e.getValue()).mul(perToken);
        Tensor delta = mine.sub(mean.get(t));
        mean.get(t).add_(delta.mul(perMicroBatch));
        squaredDeviations.get(t).add_(delta.mul(mine.sub(mean.get(t))));
        if (accumulated != null) {
          e.getValue().copy_(accumulated);
        }
      }
    }
  }

  /**
   * Ends the step's measurement and frees its buffers.
   *
   * @param tokens the step's supervised tokens (the accumulated gradient is divided by them for the
   *     step's norm)
   * @return per group (in the optimizer's order), then {@link #ALL} for every trainable together
   * @throws IllegalStateException if no micro-batch was taken in
   */
  public Map<String, Stats> finish(long tokens) {
    if (microBatches == 0) {
      throw new IllegalStateException("no micro-batch was measured");
    }
    Map<String, Stats> out = new LinkedHashMap<>();
    List<Trainable> every = new ArrayList<>();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      groups.forEach((name, params) -> out.put(name, stats(params, tokens)));
      groups.values().forEach(every::addAll);
      out.put(ALL, stats(every, tokens));
    } finally {
      close();
    }
    return out;
  }

  private Stats stats(List<Trainable> params, long tokens) {
    double stepSquares = 0;
    double spread = 0; // sum_i |g_i - mean|^2
    long elements = 0;
    for (Trainable t : params) {
      Tensor accumulated = t.gradient();
      if (accumulated != null) {
        stepSquares += accumulated.square().sum().item_double() / ((double) tokens * tokens);
      }
      spread += squaredDeviations.get(t).sum().item_double();
      elements += t.master().numel();
    }
    double variance =
        microBatches < 2 ? Double.NaN : spread / ((microBatches - 1) * (double) elements);
    return new Stats(Math.sqrt(stepSquares), variance, elements, microBatches);
  }

  /** Frees the buffers; {@link #finish} does it too. */
  @Override
  public void close() {
    for (Map<Trainable, Tensor> buffers : List.of(previous, mean, squaredDeviations)) {
      buffers.values().forEach(Tensor::close);
      buffers.clear();
    }
  }
}
