package io.lntune.tools.demo;

import java.util.List;
import java.util.Objects;

/**
 * One strategy's results in {@code lntune demo}: what it trains, what it cost and how well it
 * answers.
 *
 * <pre>{@code
 * DemoRun ln = new DemoRun("LAYERNORM", 12_288, 3_400_000, 180L << 20, 41.5, 0.875, 200, 0.3121,
 *     List.of(2.31, 1.12, 0.64, 0.31));
 * ln.trainablePercent();   // 0.3614...
 * }</pre>
 *
 * @param strategy the strategy's name as the reports print it
 * @param trainableParameters parameters the strategy trains, from 0 to {@code totalParameters}
 * @param totalParameters all parameters of the model, adapters included; positive
 * @param peakMemoryBytes the peak memory measured during training; not negative
 * @param msPerStep mean wall time of one training step in milliseconds; finite and not negative
 * @param heldOutAccuracy share of held-out questions answered correctly, in [0, 1]
 * @param heldOutQuestions how many held-out questions were asked, at least 1
 * @param finalLoss the training loss at the end of stage 2; finite and not negative
 * @param losses the stage-2 training loss of every step, in order; at least one, each finite and
 *     not negative
 */
public record DemoRun(
    String strategy,
    long trainableParameters,
    long totalParameters,
    long peakMemoryBytes,
    double msPerStep,
    double heldOutAccuracy,
    int heldOutQuestions,
    double finalLoss,
    List<Double> losses) {

  /** Checks every field; the message names the field and shows the bad value. */
  public DemoRun {
    Objects.requireNonNull(strategy, "strategy");
    if (strategy.isBlank()) {
      throw new IllegalArgumentException("strategy must not be blank");
    }
    if (totalParameters <= 0) {
      throw new IllegalArgumentException(
          "totalParameters must be positive, got " + totalParameters);
    }
    if (trainableParameters < 0 || trainableParameters > totalParameters) {
      throw new IllegalArgumentException(
          "trainableParameters must be in [0, totalParameters = "
              + totalParameters
              + "], got "
              + trainableParameters);
    }
    if (peakMemoryBytes < 0) {
      throw new IllegalArgumentException(
          "peakMemoryBytes must not be negative, got " + peakMemoryBytes);
    }
    requireFiniteNonNegative("msPerStep", msPerStep);
    // The negated form also refuses NaN.
    if (!(heldOutAccuracy >= 0 && heldOutAccuracy <= 1)) {
      throw new IllegalArgumentException(
          "heldOutAccuracy must be in [0, 1], got " + heldOutAccuracy);
    }
    if (heldOutQuestions < 1) {
      throw new IllegalArgumentException("heldOutQuestions must be >= 1, got " + heldOutQuestions);
    }
    requireFiniteNonNegative("finalLoss", finalLoss);
    losses = List.copyOf(Objects.requireNonNull(losses, "losses"));
    if (losses.isEmpty()) {
      throw new IllegalArgumentException("losses must hold at least one step's loss");
    }
    for (int i = 0; i < losses.size(); i++) {
      requireFiniteNonNegative("losses[" + i + "]", losses.get(i));
    }
  }

  /** {@return the held-out questions answered correctly, out of all asked} */
  Proportion heldOut() {
    return Proportion.of(heldOutAccuracy, heldOutQuestions);
  }

  /** {@return the trainable share in percent: 100 x trainable / total} */
  public double trainablePercent() {
    return 100.0 * trainableParameters / totalParameters;
  }

  private static void requireFiniteNonNegative(String field, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new IllegalArgumentException(field + " must be finite and not negative, got " + value);
    }
  }
}
