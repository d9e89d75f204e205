package io.lntune.training.loop;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a run did.
 *
 * @param firstStep the first step this run executed (after a resume, the one after the checkpoint)
 * @param lastStep the last step executed
 * @param losses the loss of each executed step, in order
 * @param trainableParameters trainable elements
 * @param totalParameters all parameter elements of the model
 * @param peakResidentBytes the resident high-water mark over the run, peaks inside steps included
 *     (the kernel's VmHWM, reset when the run starts; where it cannot be reset, the process's
 *     whole-life mark)
 * @param checkpoint the last checkpoint written (or resumed from), if any
 */
public record TrainingRun(
    long firstStep,
    long lastStep,
    List<Double> losses,
    long trainableParameters,
    long totalParameters,
    long peakResidentBytes,
    Optional<Path> checkpoint) {

  /** Copies {@code losses}; {@code checkpoint} is empty, never null, when there is none. */
  public TrainingRun {
    losses = List.copyOf(losses);
    Objects.requireNonNull(checkpoint, "checkpoint");
  }
}
