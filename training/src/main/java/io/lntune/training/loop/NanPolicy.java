package io.lntune.training.loop;

/** What the trainer does when a step's loss or gradient norm is NaN or infinite. */
public enum NanPolicy {
  /** Stop with a {@link TrainingDivergedException} naming the step. */
  STOP,
  /** Drop the step's gradients, log a warning naming the step, and go on. */
  SKIP
}
