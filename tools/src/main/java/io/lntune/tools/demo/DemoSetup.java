package io.lntune.tools.demo;

import java.util.Objects;

/**
 * What a demo ran on, printed above the results of every report.
 *
 * <pre>{@code
 * DemoSetup setup = new DemoSetup("512 pictures, 3x3 grid, 6 colours, 4 shapes; tiny LLaMA 4 layers x 128; "
 *     + "tiny ViT 2 layers x 64", 42, true, 0.25, 83_400);
 * }</pre>
 *
 * @param worldSummary one line on the data and the models; not blank
 * @param seed the seed every run started from
 * @param quick whether the demo ran in its quick (fewer steps) mode
 * @param chanceAccuracy the held-out accuracy of guessing uniformly among the possible answers, in
 *     [0, 1]
 * @param elapsedMillis wall time of the whole demo; not negative
 */
public record DemoSetup(
    String worldSummary, long seed, boolean quick, double chanceAccuracy, long elapsedMillis) {

  /** Checks every field; the message names the field and shows the bad value. */
  public DemoSetup {
    Objects.requireNonNull(worldSummary, "worldSummary");
    if (worldSummary.isBlank()) {
      throw new IllegalArgumentException("worldSummary must not be blank");
    }
    // The negated form also refuses NaN.
    if (!(chanceAccuracy >= 0 && chanceAccuracy <= 1)) {
      throw new IllegalArgumentException("chanceAccuracy must be in [0, 1], got " + chanceAccuracy);
    }
    if (elapsedMillis < 0) {
      throw new IllegalArgumentException(
          "elapsedMillis must not be negative, got " + elapsedMillis);
    }
  }
}
