package io.lntune.training.loop;

import io.lntune.training.optim.GradientNoise;
import io.lntune.training.optim.LrSchedule;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the trainer runs.
 *
 * @param maxSteps optimizer steps in the run
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxGradNorm clip the global gradient norm to this; {@code Double.POSITIVE_INFINITY} for no
 *     clipping
 * @param schedule the learning-rate schedule over {@code maxSteps}
 * @param nanPolicy what a non-finite loss or gradient does
 * @param checkpointEvery write a checkpoint every this many steps (and at the end); 0 for only at
 *     the end
 * @param evaluateEvery call the evaluation hook every this many steps; 0 for never
 * @param outputDir where checkpoints go; empty for none
 * @param keepCheckpoints how many of the newest checkpoints to keep, older ones deleted after each
 *     write; 0 keeps all
 * @param gradientStatsEvery measure the gradients' statistics ({@link GradientNoise}) every this
 *     many steps; 0 for never
 */
public record TrainerConfig(
    long maxSteps,
    int gradientAccumulation,
    double maxGradNorm,
    LrSchedule schedule,
    NanPolicy nanPolicy,
    long checkpointEvery,
    long evaluateEvery,
    Optional<Path> outputDir,
    int keepCheckpoints,
    long gradientStatsEvery) {

  /** A configuration that keeps every checkpoint and measures no gradient statistics. */
  public TrainerConfig(
      long maxSteps,
      int gradientAccumulation,
      double maxGradNorm,
      LrSchedule schedule,
      NanPolicy nanPolicy,
      long checkpointEvery,
      long evaluateEvery,
      Optional<Path> outputDir) {
    this(
        maxSteps,
        gradientAccumulation,
        maxGradNorm,
        schedule,
        nanPolicy,
        checkpointEvery,
        evaluateEvery,
        outputDir,
        0,
        0);
  }

  public TrainerConfig {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(nanPolicy, "nanPolicy");
    Objects.requireNonNull(outputDir, "outputDir");
    if (maxSteps < 1) {
      throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
    }
    if (gradientAccumulation < 1) {
      throw new IllegalArgumentException(
          "gradientAccumulation must be >= 1, got " + gradientAccumulation);
    }
    if (!(maxGradNorm > 0)) {
      throw new IllegalArgumentException(
          "maxGradNorm must be > 0 (infinity for none), got " + maxGradNorm);
    }
    if (checkpointEvery < 0 || evaluateEvery < 0 || gradientStatsEvery < 0) {
      throw new IllegalArgumentException(
          "checkpointEvery, evaluateEvery and gradientStatsEvery must be >= 0");
    }
    if (keepCheckpoints < 0) {
      throw new IllegalArgumentException(
          "keepCheckpoints must be >= 0 (0 keeps all), got " + keepCheckpoints);
    }
  }
}
