package io.lntune.training.loop;

/**
 * One optimizer step, as listeners see it.
 *
 * @param step 1-based step number
 * @param totalSteps the run's length
 * @param loss mean cross-entropy over the step's supervised tokens
 * @param learningRate the first group's learning rate at this step
 * @param gradNorm global gradient norm before clipping
 * @param tokens supervised tokens in the step
 * @param tokensPerSecond supervised tokens per second of this step
 * @param stepMillis wall time of the step, waiting for data included
 * @param dataMillis the part of {@code stepMillis} spent waiting for the step's micro-batches (the
 *     data iterator's {@code hasNext} and {@code next}): near 0 when the data pipeline keeps ahead
 *     of the training
 * @param elapsedMillis wall time since the run (or resume) started
 * @param skipped whether the step was dropped for a non-finite loss or gradient
 */
public record StepMetrics(
    long step,
    long totalSteps,
    double loss,
    double learningRate,
    double gradNorm,
    long tokens,
    double tokensPerSecond,
    double stepMillis,
    double dataMillis,
    long elapsedMillis,
    boolean skipped) {

  /** {@return estimated milliseconds left, from the average step time so far} */
  public long etaMillis(long firstStep) {
    long done = step - firstStep + 1;
    return done <= 0 ? 0 : elapsedMillis * (totalSteps - step) / done;
  }
}
