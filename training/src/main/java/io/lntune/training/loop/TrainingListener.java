package io.lntune.training.loop;

import java.nio.file.Path;
import java.util.Map;

/**
 * Hooks into a run. All methods have empty defaults; implement what you need.
 *
 * <pre>{@code
 * TrainingListener printLoss = new TrainingListener() {
 *   public void onStep(StepMetrics m) { System.out.println(m.step() + " " + m.loss()); }
 * };
 * }</pre>
 */
public interface TrainingListener {
  /** Before the first step (of this run or resume); {@code firstStep} is 1 unless resuming. */
  default void onStart(
      long firstStep, long totalSteps, long trainableParameters, long totalParameters) {}

  default void onStep(StepMetrics metrics) {}

  /** After a periodic evaluation. */
  default void onEvaluate(long step, Map<String, Double> results) {}

  /** After a checkpoint is written. */
  default void onCheckpoint(long step, Path dir) {}

  /** After the last step. */
  default void onEnd(long lastStep) {}
}
