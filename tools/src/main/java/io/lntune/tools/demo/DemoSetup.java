package io.lntune.tools.demo;

import java.util.List;
import java.util.Objects;

/**
 * What a demo ran on, printed above the results of every report.
 *
 * <pre>{@code
 * DemoSetup setup = new DemoSetup("512 pictures, 3x3 grid, 6 colours, 4 shapes; tiny LLaMA 4 layers x 128; "
 *     + "tiny ViT 2 layers x 64", 42, true, 0.25, 83_400,
 *     List.of(new DemoSetup.Stage("pretraining", 61_000), new DemoSetup.Stage("stage 1", 12_000)));
 * }</pre>
 *
 * @param worldSummary one line on the data and the models; not blank
 * @param seed the seed every run started from
 * @param quick whether the demo ran in its quick (fewer steps) mode
 * @param chanceAccuracy the held-out accuracy of guessing uniformly among the possible answers, in
 *     [0, 1]
 * @param elapsedMillis wall time of the whole demo; not negative
 * @param stages the wall time of each of its stages, in order (the report lists them)
 */
public record DemoSetup(
    String worldSummary,
    long seed,
    boolean quick,
    double chanceAccuracy,
    long elapsedMillis,
    List<Stage> stages) {

  /**
   * One stage of the demo and its wall time.
   *
   * @param name what ran, as the report names it; not blank
   * @param millis its wall time; not negative
   */
  public record Stage(String name, long millis) {
    /** Checks both fields; the message names the bad one. */
    public Stage {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (millis < 0) {
        throw new IllegalArgumentException("millis must not be negative, got " + millis);
      }
    }
  }

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
    stages = List.copyOf(Objects.requireNonNull(stages, "stages"));
  }
}
