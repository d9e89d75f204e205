package io.lntune.training.run;

import io.lntune.training.loop.TrainingRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link FinetuningRun} did: the training loop's run, and where it wrote its exports.
 *
 * <pre>{@code
 * TuningResult r = tuner.fit();
 * System.out.printf("loss %.3f -> %.3f, %.2f%% trained%n", r.losses().get(0), r.losses().get(r.losses().size() - 1),
 *     r.trainablePercent());
 * r.delta().ifPresent(d -> System.out.println("trained tensors in " + d));
 * }</pre>
 *
 * @param training the training loop's run: its losses, parameter counts, peak memory and last
 *     checkpoint
 * @param delta the trainable delta export ({@code trainable.safetensors}); empty when no output
 *     directory was set
 * @param adapter the PEFT adapter directory; empty when no output directory was set or the strategy
 *     has no PEFT form
 * @param merged the merged checkpoint's directory; empty when none was asked for
 * @since 0.1.0
 */
public record TuningResult(
    TrainingRun training, Optional<Path> delta, Optional<Path> adapter, Optional<Path> merged) {

  /**
   * Checks that nothing is null; the paths are empty when absent.
   *
   * @param training the record component {@link #training()}
   * @param delta the record component {@link #delta()}
   * @param adapter the record component {@link #adapter()}
   * @param merged the record component {@link #merged()}
   * @throws NullPointerException if any argument is null
   */
  public TuningResult {
    Objects.requireNonNull(training, "training");
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(adapter, "adapter");
    Objects.requireNonNull(merged, "merged");
  }

  /**
   * {@return the mean token loss (natural log, per supervised token) of each step run, in order}
   */
  public List<Double> losses() {
    return training.losses();
  }

  /** {@return trainable elements (scalars, not tensors)} */
  public long trainableParameters() {
    return training.trainableParameters();
  }

  /** {@return all parameter elements (a LoRA model's adapters included)} */
  public long totalParameters() {
    return training.totalParameters();
  }

  /** {@return trainable parameters as a percentage of all, from 0 to 100} */
  public double trainablePercent() {
    return 100.0 * trainableParameters() / totalParameters();
  }

  /**
   * {@return the last checkpoint directory (written or resumed from); empty when no output
   * directory was set}
   */
  public Optional<Path> checkpoint() {
    return training.checkpoint();
  }
}
