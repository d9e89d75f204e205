package io.lntune;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link LayerNormTuner#fit()} did: the loss of every step, how much of the model it trained and where it wrote
 * its outputs.
 *
 * <pre>{@code
 * TuningResult r = tuner.fit();
 * System.out.printf("loss %.3f -> %.3f, %.2f%% trained%n", r.losses().get(0), r.losses().get(r.losses().size() - 1),
 *     r.trainablePercent());
 * r.delta().ifPresent(d -> System.out.println("trained tensors in " + d));
 * }</pre>
 *
 * @param losses the mean token loss (natural log, per supervised token) of each step run, in order
 * @param trainableParameters trainable elements (scalars, not tensors)
 * @param totalParameters all parameter elements (a LoRA model's adapters included)
 * @param peakResidentBytes the resident high-water mark of the process in bytes over the run, peaks inside steps
 *     included (the kernel's VmHWM, reset when the run starts; where it cannot be reset, the process's whole-life mark)
 * @param checkpoint the last checkpoint directory; empty when no output directory was set
 * @param delta the trainable delta export ({@code trainable.safetensors}); empty when no output directory was set
 * @param adapter the PEFT adapter directory; empty when no output directory was set or the strategy has no PEFT form
 * @param merged the merged checkpoint's directory; empty when none was asked for
 * @since 0.1.0
 */
public record TuningResult(List<Double> losses, long trainableParameters, long totalParameters, long peakResidentBytes,
    Optional<Path> checkpoint, Optional<Path> delta, Optional<Path> adapter, Optional<Path> merged) {

  /**
   * Copies {@code losses}; the paths are empty, never null, when absent.
   *
   * @param losses the record component {@link #losses()}
   * @param trainableParameters the record component {@link #trainableParameters()}
   * @param totalParameters the record component {@link #totalParameters()}
   * @param peakResidentBytes the record component {@link #peakResidentBytes()}
   * @param checkpoint the record component {@link #checkpoint()}
   * @param delta the record component {@link #delta()}
   * @param adapter the record component {@link #adapter()}
   * @param merged the record component {@link #merged()}
   * @throws NullPointerException if any argument is null
   */
  public TuningResult {
    losses = List.copyOf(losses);
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(adapter, "adapter");
    Objects.requireNonNull(merged, "merged");
  }

  /** {@return trainable parameters as a percentage of all, from 0 to 100} */
  public double trainablePercent() {
    return 100.0 * trainableParameters / totalParameters;
  }
}
