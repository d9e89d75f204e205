package io.lntune.training.optim;

import io.lntune.torch.DType;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One trainable parameter and its fp32 master. When the model runs in bf16 or fp16, small updates
 * to a weight near 1 (a norm gain) round away in the model's dtype (PEFT's LN-tuning benchmark
 * scored 0.0 this way); so the optimizer updates an fp32 master, gradients are accumulated in fp32,
 * and the model's copy is refreshed from the master after each step. An fp32 parameter is its own
 * master. Create trainables outside any {@code TensorScope}.
 */
public final class Trainable {
  private final String name;
  private final Tensor param;
  private final Tensor master;
  private final Tensor
      gradient; // fp32 gradient accumulator of a low-precision parameter, else null
  private boolean hasGradient;

  Trainable(String name, Tensor param, boolean fp32Master) {
    this.name = name;
    this.param = param;
    boolean ownMaster = !fp32Master || DType.of(param.scalar_type()) == DType.F32;
    try (NoGradGuard g = new NoGradGuard()) {
      this.master = ownMaster ? param : param.to(ScalarType.Float).clone();
      this.gradient = ownMaster ? null : master.new_zeros(master.sizes());
    }
  }

  public String name() {
    return name;
  }

  /** {@return the tensor inside the model} */
  public Tensor param() {
    return param;
  }

  /** {@return the tensor the optimizer updates: the fp32 master, or the parameter itself} */
  public Tensor master() {
    return master;
  }

  public boolean hasSeparateMaster() {
    return master != param;
  }

  /**
   * Moves the gradient that backward left on a low-precision parameter into the fp32 accumulator.
   * Call under a {@link NoGradGuard} (the caller holds one for all parameters).
   */
  void collectGradient() {
    if (!hasSeparateMaster()) {
      return;
    }
    Tensor g = param.grad();
    if (!g.defined()) {
      return;
    }
    if (hasGradient) {
      gradient.add_(g); // promotes to fp32 in the kernel: no fp32 copy of the gradient
    } else {
      gradient.copy_(g); // the first micro-batch overwrites: clearing needs no zeroing pass
      hasGradient = true;
    }
    param.mutable_grad().reset();
  }

  /**
   * {@return the accumulated gradient in the master's dtype, or null if nothing reached this
   * parameter}
   */
  Tensor gradient() {
    if (hasSeparateMaster()) {
      return hasGradient ? gradient : null;
    }
    Tensor g = param.grad();
    return g.defined() ? g : null;
  }

  /**
   * {@return the accumulator a separate master collects into, else the parameter's own gradient;
   * empty while nothing was collected this step (the accumulator then holds a cleared step's
   * values)}
   */
  Optional<Tensor> accumulated() {
    if (hasSeparateMaster()) {
      return hasGradient ? Optional.of(gradient) : Optional.empty();
    }
    Tensor g = param.grad();
    return g.defined() ? Optional.of(g) : Optional.empty();
  }

  /**
   * {@return the accumulated gradient, made a zero one if nothing reached this parameter} For a sum
   * over processes, which needs every parameter's gradient on every process.
   */
  Tensor gradientOrZero() {
    Tensor g = gradient();
    if (g != null) {
      return g;
    }
    if (hasSeparateMaster()) {
      gradient.zero_(); // the accumulator holds a cleared step's values until the next copy
      hasGradient = true;
      return gradient;
    }
    param.mutable_grad().put(param.detach().new_zeros(param.sizes()));
    return param.grad();
  }

  /** Forgets the accumulated gradient (after an optimizer step). */
  void clearGradient() {
    hasGradient = false;
    if (param.grad().defined()) {
      param.mutable_grad().reset();
    }
  }

  /**
   * Copies the master into the model's parameter (rounding to its dtype). Call under a {@link
   * NoGradGuard}.
   */
  void syncToModel() {
    if (hasSeparateMaster()) {
      param.copy_(master);
    }
  }
}
