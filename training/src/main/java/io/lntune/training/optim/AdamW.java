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
 * AdamW over fp32 masters with parameter groups, computing exactly what {@code torch.optim.AdamW} does
 * (decoupled weight decay, bias-corrected moments, no AMSGrad). Written in Java rather than wrapping libtorch's
 * {@code AdamW} so that its state is plain tensors that checkpoints save as safetensors (and to steer clear of the
 * reversed {@code betas} of the JavaCPP binding).
 *
 * <pre>{@code
 * AdamW opt = new AdamW(0.9, 0.999, 1e-8);
 * opt.addGroup("norms", 3e-3, 0.0, norms);
 * opt.addGroup("connector", 2e-5, 0.0, connector);     // LLaVA's mm_projector_lr
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
  private long steps;

  public AdamW(double beta1, double beta2, double eps) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new IllegalArgumentException("AdamW needs betas in [0, 1) and eps > 0, got " + beta1 + ", " + beta2 + ", "
          + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

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
      for (Group group : groups) {
        double lr = group.learningRate() * lrFactor;
        for (Trainable t : group.params()) {
          Tensor grad = t.gradient();
          if (grad == null) {
            continue;
          }
          // A scope per parameter: its one temporary (denom) is freed before the next parameter's is made.
          try (TensorScope perParameter = TensorScope.open()) {
            Tensor p = t.master();
            Tensor[] m = moments.get(t);
            if (group.weightDecay() > 0) {
              p.mul_(new Scalar(1 - lr * group.weightDecay()));
            }
            m[0].mul_(new Scalar(beta1)).add_(grad, new Scalar(1 - beta1));
            m[1].mul_(new Scalar(beta2)).addcmul_(grad, grad, new Scalar(1 - beta2));
            Tensor denom = m[1].sqrt().div_(new Scalar(Math.sqrt(correction2))).add_(new Scalar(eps));
            p.addcdiv_(m[0], denom, new Scalar(-lr / correction1));
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
