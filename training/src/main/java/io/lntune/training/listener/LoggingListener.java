package io.lntune.training.listener;

import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.TrainingListener;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log lines (SLF4J, INFO): the parameter counts at the start, every {@code every}-th step,
 * evaluations, checkpoints.
 */
public final class LoggingListener implements TrainingListener {
  private static final Logger log = LoggerFactory.getLogger(LoggingListener.class);
  private final long every;

  public LoggingListener(long every) {
    this.every = Math.max(1, every);
  }

  @Override
  public void onStart(long firstStep, long totalSteps, long trainable, long total) {
    log.info(
        "training steps {}..{}: {} of {} parameters trainable ({})",
        firstStep,
        totalSteps,
        String.format("%,d", trainable),
        String.format("%,d", total),
        String.format("%.4f%%", 100.0 * trainable / total));
  }

  @Override
  public void onStep(StepMetrics m) {
    if (m.step() % every == 0 || m.skipped()) {
      log.info(
          "step {}/{} loss {} lr {} grad-norm {} tokens {}{}",
          m.step(),
          m.totalSteps(),
          String.format("%.4f", m.loss()),
          String.format("%.3e", m.learningRate()),
          String.format("%.3f", m.gradNorm()),
          m.tokens(),
          m.skipped() ? " (skipped)" : "");
    }
  }

  @Override
  public void onEvaluate(long step, Map<String, Double> results) {
    log.info("evaluation at step {}: {}", step, results);
  }

  @Override
  public void onCheckpoint(long step, Path dir) {
    log.info("checkpoint at step {}: {}", step, dir);
  }
}
