package io.lntune;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@link LayerNormTuner#fit()} did.
 *
 * @param losses the mean token loss of each step run, in order
 * @param trainableParameters trainable elements
 * @param totalParameters all parameter elements (a LoRA model's adapters included)
 * @param peakResidentBytes the resident high-water mark over the run, peaks inside steps included (the kernel's
 *     VmHWM, reset when the run starts; where it cannot be reset, the process's whole-life mark)
 * @param checkpointOrNull the last checkpoint, when an output directory was set
 * @param deltaOrNull the trainable delta export ({@code trainable.safetensors}), when an output directory was set
 * @param adapterOrNull the PEFT adapter directory, when an output directory was set and the strategy has a PEFT form
 * @param mergedOrNull the merged checkpoint's directory, when one was asked for
 */
public record TuningResult(List<Double> losses, long trainableParameters, long totalParameters, long peakResidentBytes,
    Path checkpointOrNull, Path deltaOrNull, Path adapterOrNull, Path mergedOrNull) {

  public TuningResult {
    losses = List.copyOf(losses);
  }

  /** {@return trainable parameters as a percentage of all} */
  public double trainablePercent() {
    return 100.0 * trainableParameters / totalParameters;
  }

  public Optional<Path> checkpoint() {
    return Optional.ofNullable(checkpointOrNull);
  }

  public Optional<Path> delta() {
    return Optional.ofNullable(deltaOrNull);
  }

  public Optional<Path> adapter() {
    return Optional.ofNullable(adapterOrNull);
  }

  public Optional<Path> merged() {
    return Optional.ofNullable(mergedOrNull);
  }
}
