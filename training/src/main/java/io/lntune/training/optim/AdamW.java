package io.lntune.training.optim;

import static org.bytedeco.pytorch.global.torch.sqrt_out;

import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * AdamW over fp32 masters with parameter groups, computing exactly what {@code torch.optim.AdamW}
 * does (decoupled weight decay, bias-corrected moments, no AMSGrad). Written in Java rather than
 * wrapping libtorch's {@code AdamW} so that its state is plain tensors that checkpoints save as
 * safetensors (and to steer clear of the reversed {@code betas} of the JavaCPP binding).
 *
 * <pre>{@code
 * AdamW opt = OptimizerGroups.adamW(trainables, 3e-3, 2e-5, 0.0);  // torch's betas and eps, LLaVA's groups
 * opt.step(schedule.factor(step, total));              // after backward and TrainableParameters.collectGradients()
 * opt.step(schedule.factor(step, total), clip.factor()); // the same, the gradients scaled first (GradientClipping.measure)
 * }</pre>
 */
public final class AdamW {
  /** A set of parameters sharing a learning rate and weight decay. */
  public record Group(
      String name, double learningRate, double weightDecay, List<Trainable> params) {
    /** Copies {@code params}. */
    public Group {
      params = List.copyOf(params);
    }
  }

  /**
   * How a group's parameters are updated: those the fused kernel takes through it, the others as
   * separate operations.
   */
  private record Plan(List<Trainable> fused, FusedAdamW kernel, List<Trainable> separate) {}

  /** A parameter's moments, named as {@code torch.optim.AdamW} names them. */
  private record Moments(Tensor expAvg, Tensor expAvgSq) {}

  private final double beta1;
  private final double beta2;
  private final List<Group> groups = new ArrayList<>();
  private final List<Plan> plans = new ArrayList<>();
  private final List<Tensor> fusedGradients = new ArrayList<>(); // reused by every step
  private final Map<Trainable, Moments> moments = new LinkedHashMap<>();
  // Where each step writes a parameter's denominator, made at the first step (see
  // planDenominators).
  private final Map<Trainable, Tensor> denominators = new HashMap<>();
  // The constant scalars, made once: as fresh Scalars for every parameter and step they would be
  // most of what a step
  // allocates on the Java heap (TrainerAllocationTest).
  private final Scalar oneMinusBeta1;
  private final Scalar beta2Scalar;
  private final Scalar oneMinusBeta2;
  private final double eps;
  private final boolean fuse;
  private long steps;

  /**
   * An optimizer without groups.
   *
   * @param beta1 the first moment's decay, in [0, 1)
   * @param beta2 the second moment's decay, in [0, 1)
   * @param eps added to the denominator, &gt; 0
   */
  public AdamW(double beta1, double beta2, double eps) {
    this(beta1, beta2, eps, true);
  }

  /**
   * @param fuse whether parameters the fused kernel takes go through it ({@link FusedAdamW}); false
   *     runs every update as separate operations (the tests compare both with libtorch's AdamW)
   */
  AdamW(double beta1, double beta2, double eps, boolean fuse) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new IllegalArgumentException(
          "AdamW needs betas in [0, 1) and eps > 0, got " + beta1 + ", " + beta2 + ", " + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.oneMinusBeta1 = TensorScope.unscoped(new Scalar(1 - beta1));
    this.beta2Scalar = TensorScope.unscoped(new Scalar(beta2));
    this.oneMinusBeta2 = TensorScope.unscoped(new Scalar(1 - beta2));
    this.eps = eps;
    this.fuse = fuse;
  }

  /**
   * Adds a group; its moments are allocated now (create the optimizer outside any {@code
   * TensorScope}).
   *
   * @throws IllegalArgumentException if a rate is negative or a parameter is in another group
   * @throws IllegalStateException after the first step
   */
  public void addGroup(
      String name, double learningRate, double weightDecay, List<Trainable> params) {
    if (!(learningRate >= 0) || !(weightDecay >= 0)) {
      throw new IllegalArgumentException(
          "group " + name + ": learning rate and weight decay must be >= 0");
    }
    if (steps > 0) {
      throw new IllegalStateException("group " + name + ": groups are added before the first step");
    }
    for (Trainable t : params) {
      if (moments.containsKey(t)) {
        throw new IllegalArgumentException("parameter " + t.name() + " is in two optimizer groups");
      }
      try (NoGradGuard g = new NoGradGuard()) {
        moments.put(
            t,
            new Moments(
                t.master().new_zeros(t.master().sizes()),
                t.master().new_zeros(t.master().sizes())));
      }
    }
    groups.add(new Group(name, learningRate, weightDecay, params));
    plans.add(plan(params));
  }

  private Plan plan(List<Trainable> params) {
    List<Trainable> fused = new ArrayList<>();
    List<Trainable> separate = new ArrayList<>();
    ScalarType dtype = params.isEmpty() ? null : params.get(0).master().scalar_type().intern();
    for (Trainable t : params) {
      Moments m = moments.get(t);
      boolean fits =
          fuse
              && FusedAdamW.fits(t.master(), dtype)
              && FusedAdamW.fits(m.expAvg(), dtype)
              && FusedAdamW.fits(m.expAvgSq(), dtype);
      (fits ? fused : separate).add(t);
    }
    FusedAdamW kernel =
        fused.isEmpty()
            ? null
            : new FusedAdamW(
                fused.stream().map(Trainable::master).toList(),
                fused.stream().map(t -> moments.get(t).expAvg()).toList(),
                fused.stream().map(t -> moments.get(t).expAvgSq()).toList(),
                beta1,
                beta2,
                eps);
    return new Plan(fused, kernel, separate);
  }

  /** {@return the groups, in the order they were added (a view)} */
  public List<Group> groups() {
    return Collections.unmodifiableList(groups);
  }

  /** {@return optimizer steps taken} */
  public long steps() {
    return steps;
  }

  /**
   * Updates every master that has a gradient, with each group's rate times {@code lrFactor} (the
   * schedule).
   */
  public void step(double lrFactor) {
    step(lrFactor, 1);
  }

  /**
   * Updates every master that has a gradient, as {@link #step(double)} does, on the gradients
   * multiplied by {@code gradientFactor} first: a mean's {@code 1 / tokens} and clipping's factor
   * ({@link GradientClipping#measure}). The fused kernel scales each gradient as it reads it, which
   * spares a pass over them all; the gradients hold the scaled values afterwards.
   *
   * @throws IllegalArgumentException if {@code gradientFactor} is not positive and finite
   */
  public void step(double lrFactor, double gradientFactor) {
    if (!(gradientFactor > 0 && Double.isFinite(gradientFactor))) {
      throw new IllegalArgumentException(
          "the gradient factor must be positive and finite, got " + gradientFactor);
    }
    steps++;
    double correction1 = 1 - Math.pow(beta1, steps);
    double correction2 = 1 - Math.pow(beta2, steps);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      // m / (sqrt(v) / s + eps) = s * m / (sqrt(v) + s * eps) with s = sqrt(1 - beta2^t): folding
      // s into eps and the step size spares the separate operations a pass over every master.
      double s = Math.sqrt(correction2);
      Scalar scaledEps = new Scalar(eps * s);
      for (int i = 0; i < groups.size(); i++) {
        Group group = groups.get(i);
        Plan plan = plans.get(i);
        double lr = group.learningRate() * lrFactor;
        Separate separate =
            new Separate(
                group.weightDecay() > 0 ? new Scalar(1 - lr * group.weightDecay()) : null,
                scaledEps,
                new Scalar(-lr * s / correction1),
                gradientFactor != 1 ? new Scalar(gradientFactor) : null);
        if (plan.kernel() != null && gradientsFit(plan)) {
          plan.kernel().step(fusedGradients, steps, lr, group.weightDecay(), gradientFactor);
        } else {
          stepSeparately(plan.fused(), separate);
        }
        stepSeparately(plan.separate(), separate);
      }
    }
  }

  /**
   * A step's constants for the separate operations of one group.
   *
   * @param decay {@code 1 - lr * weight_decay}, or null without weight decay
   * @param scaledEps {@code s * eps}
   * @param stepSize {@code -lr * s / (1 - beta1^t)}
   * @param gradientFactor what every gradient is multiplied by first, or null for none
   */
  private record Separate(Scalar decay, Scalar scaledEps, Scalar stepSize, Scalar gradientFactor) {}

  /**
   * {@return whether every parameter of the plan's fused set has a gradient the kernel takes},
   * listed in {@link #fusedGradients}; a step where one has none (a parameter the forward did not
   * reach) updates them separately
   */
  private boolean gradientsFit(Plan plan) {
    fusedGradients.clear();
    for (Trainable t : plan.fused()) {
      Tensor grad = t.gradient();
      if (grad == null || !plan.kernel().takes(grad)) {
        return false;
      }
      fusedGradients.add(grad);
    }
    return true;
  }

  /**
   * The update as separate operations, for the parameters with a gradient among {@code params}:
   * tensors the fused kernel does not take (CUDA, bf16 masters, non-contiguous ones).
   */
  private void stepSeparately(List<Trainable> params, Separate c) {
    for (Trainable t : params) {
      Tensor grad = t.gradient();
      if (grad == null) {
        continue;
      }
      if (denominators.isEmpty()) {
        planDenominators();
      }
      if (c.gradientFactor() != null) {
        grad.mul_(c.gradientFactor());
      }
      Tensor p = t.master();
      Moments m = moments.get(t);
      Tensor denominator = denominators.get(t);
      if (c.decay() != null) {
        p.mul_(c.decay()); // p = p * (1 - lr * weight_decay)
      }
      m.expAvg().lerp_(grad, oneMinusBeta1); // m = beta1 * m + (1 - beta1) * g, in one pass
      m.expAvgSq()
          .mul_(beta2Scalar)
          .addcmul_(grad, grad, oneMinusBeta2); // v = beta2 * v + (1 - beta2) * g^2
      sqrt_out(denominator, m.expAvgSq()).add_(c.scaledEps()); // d = sqrt(v) + s * eps
      p.addcdiv_(m.expAvg(), denominator, c.stepSize()); // p -= lr s / (1 - beta1^t) m / d
    }
  }

  /**
   * Gives every master its denominator: a view of a scratch buffer of the master's dtype, as large
   * as the largest such master. Parameters are updated one after another, so one buffer per dtype
   * serves them all, and no step allocates a tensor of a master's size.
   */
  private void planDenominators() {
    Map<DType, Tensor> largest = new EnumMap<>(DType.class);
    moments
        .keySet()
        .forEach(
            t ->
                largest.merge(
                    DType.of(t.master().scalar_type()),
                    t.master(),
                    (a, b) -> a.numel() >= b.numel() ? a : b));
    Map<DType, Tensor> scratch = new EnumMap<>(DType.class);
    largest.forEach(
        (dtype, master) -> scratch.put(dtype, master.new_empty(new long[] {master.numel()})));
    for (Trainable t : moments.keySet()) {
      Tensor master = t.master();
      Tensor buffer = scratch.get(DType.of(master.scalar_type()));
      denominators.put(
          t, TensorScope.unscoped(buffer.narrow(0, 0, master.numel()).view(master.sizes())));
    }
  }

  /** {@return the moments by parameter name: {@code name.exp_avg} and {@code name.exp_avg_sq}} */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    moments.forEach(
        (t, m) -> {
          out.put(t.name() + ".exp_avg", m.expAvg());
          out.put(t.name() + ".exp_avg_sq", m.expAvgSq());
        });
    return out;
  }

  /**
   * Restores moments and the step count saved by {@link #state()} and {@link #steps()}.
   *
   * @throws IllegalArgumentException naming a missing or mis-shaped moment
   */
  public void restore(Map<String, Tensor> state, long steps) {
    try (NoGradGuard g = new NoGradGuard()) {
      state()
          .forEach(
              (key, moment) -> {
                Tensor saved = state.get(key);
                if (saved == null
                    || !Arrays.equals(saved.sizes().vec().get(), moment.sizes().vec().get())) {
                  throw new IllegalArgumentException(
                      "optimizer state lacks " + key + " or has the wrong shape");
                }
                moment.copy_(saved);
              });
    }
    this.steps = steps;
  }
}
