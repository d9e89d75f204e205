package io.lntune.training.loop;

import io.lntune.torch.LntuneException;

/** The loss or gradients became NaN or infinite and the {@link NanPolicy} said to stop. */
public class TrainingDivergedException extends LntuneException {
  private static final long serialVersionUID = 1L;
  private final long step;

  public TrainingDivergedException(long step, String what) {
    super(what + " at step " + step + " is not finite: training stopped (lower the learning rate, or use NanPolicy.SKIP)");
    this.step = step;
  }

  /** {@return the step (1-based) that diverged} */
  public long step() {
    return step;
  }
}
