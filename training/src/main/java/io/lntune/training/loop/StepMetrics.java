package io.lntune.training.loop;

import io.lntune.training.optim.GradientNoise;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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
 * @param gradients per optimizer group and {@link GradientNoise#ALL}, the gradient statistics of a
 *     step that measured them ({@link TrainerConfig#gradientStatsEvery()}); empty otherwise
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
    boolean skipped,
    Map<String, GradientNoise.Stats> gradients) {

  /**
   * Copies {@code gradients}.
   *
   * @param step the record component {@link #step()}
   * @param totalSteps the record component {@link #totalSteps()}
   * @param loss the record component {@link #loss()}
   * @param learningRate the record component {@link #learningRate()}
   * @param gradNorm the record component {@link #gradNorm()}
   * @param tokens the record component {@link #tokens()}
   * @param tokensPerSecond the record component {@link #tokensPerSecond()}
   * @param stepMillis the record component {@link #stepMillis()}
   * @param dataMillis the record component {@link #dataMillis()}
   * @param elapsedMillis the record component {@link #elapsedMillis()}
   * @param skipped the record component {@link #skipped()}
   * @param gradients the record component {@link #gradients()}
   */
  public StepMetrics {
    // No copy for the usual empty map: the trainer allocates as little as it can per step.
    gradients =
        gradients.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(gradients));
  }

  /** {@return estimated milliseconds left, from the average step time so far} */
  public long etaMillis(long firstStep) {
    long done = step - firstStep + 1;
    return done <= 0 ? 0 : elapsedMillis * (totalSteps - step) / done;
  }
}
