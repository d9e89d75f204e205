package io.lntune.training.loop;

import io.lntune.torch.LntuneException;

/**
 * The run came apart: its loss or gradients became NaN or infinite, or its loss exploded, and the
 * {@link NanPolicy} said to stop (or every step had to be skipped).
 */
public class TrainingDivergedException extends LntuneException {
  private static final long serialVersionUID = 1L;
  private final long step;

  /** A step whose {@code what} ("the loss", "the gradient norm") is NaN or infinite. */
  public TrainingDivergedException(long step, String what) {
    this(
        what
            + " at step "
            + step
            + " is not finite: training stopped (lower the learning rate, or set the NaN "
            + "policy to SKIP: --nan-policy SKIP)",
        step);
  }

  private TrainingDivergedException(String message, long step) {
    super(message);
    this.step = step;
  }

  /** {@return a divergence at {@code step}, described by {@code message}} */
  public static TrainingDivergedException because(long step, String message) {
    return new TrainingDivergedException(message, step);
  }

  /** {@return the step (1-based) that diverged} */
  public long step() {
    return step;
  }
}
