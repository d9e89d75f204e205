package io.lntune.training.optim;

import static org.bytedeco.pytorch.global.torch.sqrt_out;

import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * AdamW over fp32 masters with parameter groups, computing exactly what {@code torch.optim.AdamW} does
 * (decoupled weight decay, bias-corrected moments, no AMSGrad). Written in Java rather than wrapping libtorch's
 * {@code AdamW} so that its state is plain tensors that checkpoints save as safetensors (and to steer clear of the
 * reversed {@code betas} of the JavaCPP binding).
 *
 * <pre>{@code
 * AdamW opt = OptimizerGroups.adamW(trainables, 3e-3, 2e-5, 0.0);  // torch's betas and eps, LLaVA's groups
 * opt.step(schedule.factor(step, total));              // after backward and TrainableParameters.collectGradients()
 * }</pre>
 */
public final class AdamW {
  /** A set of parameters sharing a learning rate and weight decay. */
  public record Group(String name, double learningRate, double weightDecay, List<Trainable> params) {
    public Group {
      params = List.copyOf(params);
    }
  }

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final List<Group> groups = new ArrayList<>();
  private final Map<Trainable, Tensor[]> moments = new LinkedHashMap<>(); // exp_avg, exp_avg_sq
  // What every step uses, made once so that a step allocates only the wrappers of the tensors libtorch returns:
  // the parameters and their state in step order, the constant scalars, and a buffer for the denominator.
  private final List<Update> updates = new ArrayList<>();
  private final Scalar beta1Scalar;
  private final Scalar oneMinusBeta1;
  private final Scalar beta2Scalar;
  private final Scalar oneMinusBeta2;
  private final Scalar epsScalar;
  private Tensor scratch; // fp32, as many elements as the largest fp32 master; each denominator is a view of it
  private long steps;

  public AdamW(double beta1, double beta2, double eps) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new IllegalArgumentException("AdamW needs betas in [0, 1) and eps > 0, got " + beta1 + ", " + beta2 + ", "
          + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.beta1Scalar = TensorScope.unscoped(new Scalar(beta1));
    this.oneMinusBeta1 = TensorScope.unscoped(new Scalar(1 - beta1));
    this.beta2Scalar = TensorScope.unscoped(new Scalar(beta2));
    this.oneMinusBeta2 = TensorScope.unscoped(new Scalar(1 - beta2));
    this.epsScalar = TensorScope.unscoped(new Scalar(eps));
  }

  /**
   * One parameter's update, in step order.
   *
   * @param denominator where the step writes {@code sqrt(exp_avg_sq / correction) + eps}: a view of the shared fp32
   *     scratch buffer, or null for a master in another dtype (its denominator is then a temporary)
   */
  private record Update(Trainable trainable, Tensor expAvg, Tensor expAvgSq, Tensor denominator) {}

  /** Adds a group; its moments are allocated now (create the optimizer outside any {@code TensorScope}). */
  public void addGroup(String name, double learningRate, double weightDecay, List<Trainable> params) {
    if (!(learningRate >= 0) || !(weightDecay >= 0)) {
      throw new IllegalArgumentException("group " + name + ": learning rate and weight decay must be >= 0");
    }
    for (Trainable t : params) {
      if (moments.containsKey(t)) {
        throw new IllegalArgumentException("parameter " + t.name() + " is in two optimizer groups");
      }
      try (NoGradGuard g = new NoGradGuard()) {
        moments.put(t, new Tensor[] {t.master().new_zeros(t.master().sizes()), t.master().new_zeros(t.master().sizes())});
      }
    }
    groups.add(new Group(name, learningRate, weightDecay, params));
    planSteps();
  }

  /**
   * Lays out what {@link #step} walks: every parameter with its moments and, for fp32 masters, a denominator view of
   * one shared fp32 scratch buffer (parameters are updated one after another, so one buffer of the largest size
   * serves them all). A master in another dtype (only without fp32 masters) gets its denominator from a temporary.
   */
  private void planSteps() {
    long largest = 0;
    Tensor anFp32Master = null;
    for (Trainable t : moments.keySet()) {
      if (DType.of(t.master().scalar_type()) == DType.F32) {
        largest = Math.max(largest, t.master().numel());
        anFp32Master = t.master();
      }
    }
    for (Update u : updates) {
      if (u.denominator() != null) {
        u.denominator().releaseReference();
      }
    }
    if (scratch != null) {
      scratch.releaseReference();
      scratch = null;
    }
    updates.clear();
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      if (anFp32Master != null) {
        scratch = scope.keep(anFp32Master.new_empty(new long[] {largest}));
      }
      for (Group group : groups) {
        for (Trainable t : group.params()) {
          Tensor[] m = moments.get(t);
          Tensor master = t.master();
          Tensor denominator = DType.of(master.scalar_type()) != DType.F32 ? null
              : scope.keep(scratch.narrow(0, 0, master.numel()).view(master.sizes()));
          updates.add(new Update(t, m[0], m[1], denominator));
        }
      }
    }
  }

  public List<Group> groups() {
    return List.copyOf(groups);
  }

  /** {@return optimizer steps taken} */
  public long steps() {
    return steps;
  }

  /**
   * Updates every master that has a gradient, with each group's rate times {@code lrFactor} (the schedule).
   */
  public void step(double lrFactor) {
    steps++;
    double correction1 = 1 - Math.pow(beta1, steps);
    double correction2 = 1 - Math.pow(beta2, steps);
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      Scalar sqrtCorrection2 = new Scalar(Math.sqrt(correction2));
      int at = 0;
      for (int gi = 0; gi < groups.size(); gi++) {
        Group group = groups.get(gi);
        double lr = group.learningRate() * lrFactor;
        Scalar decay = group.weightDecay() > 0 ? new Scalar(1 - lr * group.weightDecay()) : null;
        Scalar stepSize = new Scalar(-lr / correction1);
        for (int i = 0; i < group.params().size(); i++, at++) {
          Update u = updates.get(at);
          Tensor grad = u.trainable().gradient();
          if (grad == null) {
            continue;
          }
          Tensor p = u.trainable().master();
          if (decay != null) {
            p.mul_(decay);
          }
          u.expAvg().mul_(beta1Scalar).add_(grad, oneMinusBeta1);
          u.expAvgSq().mul_(beta2Scalar).addcmul_(grad, grad, oneMinusBeta2);
          if (u.denominator() != null) {
            sqrt_out(u.denominator(), u.expAvgSq()).div_(sqrtCorrection2).add_(epsScalar);
            p.addcdiv_(u.expAvg(), u.denominator(), stepSize);
          } else { // a master that is not fp32: its denominator a temporary, freed before the next parameter's
            try (TensorScope perParameter = TensorScope.open()) {
              p.addcdiv_(u.expAvg(), u.expAvgSq().sqrt().div_(sqrtCorrection2).add_(epsScalar), stepSize);
            }
          }
        }
      }
    }
  }

  /** {@return the moments by parameter name: {@code name.exp_avg} and {@code name.exp_avg_sq}} */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    moments.forEach((t, m) -> {
      out.put(t.name() + ".exp_avg", m[0]);
      out.put(t.name() + ".exp_avg_sq", m[1]);
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
      for (Map.Entry<Trainable, Tensor[]> e : moments.entrySet()) {
        String[] keys = {e.getKey().name() + ".exp_avg", e.getKey().name() + ".exp_avg_sq"};
        for (int i = 0; i < 2; i++) {
          Tensor saved = state.get(keys[i]);
          if (saved == null || !java.util.Arrays.equals(saved.sizes().vec().get(), e.getValue()[i].sizes().vec().get())) {
            throw new IllegalArgumentException("optimizer state lacks " + keys[i] + " or has the wrong shape");
          }
          e.getValue()[i].copy_(saved);
        }
      }
    }
    this.steps = steps;
  }
}
