package io.lntune.training.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a run that has come apart from one that is merely noisy, so that it neither ends with exit
 * status 0 nor exports garbage: a loss or gradient norm that is NaN or infinite, a loss that has
 * risen a thousandfold above the lowest of the run and past 100 nats (a learning rate far too high:
 * no batch is that surprising to a model that learned anything), and a run whose steps are all
 * skipped (NaN or infinite weights). The {@link NanPolicy} decides whether a bad step stops the run
 * or is skipped.
 *
 * <pre>{@code
 * DivergenceGuard guard = new DivergenceGuard(NanPolicy.STOP);
 * boolean skip = !Double.isFinite(loss) ? guard.nonFinite(step, "the loss") : false;
 * guard.finite(step, loss);   // throws TrainingDivergedException if the loss exploded and the policy is STOP
 * guard.finish(step, stepsRun);   // throws if steps were run and none of them was taken
 * }</pre>
 */
final class DivergenceGuard {
  /** The rise over the run's lowest loss that counts as divergence. */
  static final double RISE = 1000;

  /**
   * Losses below this many nats never count as divergence (uniform guessing over 32,000 tokens
   * costs 10.4).
   */
  static final double FLOOR = 100;

  /** Consecutive skipped steps after which SKIP stops too: the model itself is broken. */
  static final int SKIPPED_IN_A_ROW = 20;

  private static final Logger log = LoggerFactory.getLogger(DivergenceGuard.class);
  private static final String ADVICE =
      "lower the learning rate, or set the NaN policy to SKIP (--nan-policy SKIP)";

  private final NanPolicy policy;
  private double lowest = Double.POSITIVE_INFINITY;
  private int skippedInARow;
  private long taken;
  private boolean warned;

  DivergenceGuard(NanPolicy policy) {
    this.policy = policy;
  }

  /**
   * Handles a step whose {@code what} ("the loss", "the gradient norm") is not finite. {@return
   * true: the step is skipped}
   *
   * @throws TrainingDivergedException when the policy is STOP, or when SKIP has skipped too many
   *     steps in a row
   */
  boolean nonFinite(long step, String what) {
    if (policy == NanPolicy.STOP) {
      throw new TrainingDivergedException(step, what);
    }
    if (++skippedInARow >= SKIPPED_IN_A_ROW) {
      throw TrainingDivergedException.because(
          step,
          "the last "
              + skippedInARow
              + " steps were all skipped ("
              + what
              + " is not finite): the model's weights may hold NaN or infinite values; training stopped");
    }
    log.warn("{} at step {} is not finite: step skipped (NaN policy SKIP)", what, step);
    return true;
  }

  /**
   * Checks a step whose loss is finite.
   *
   * @throws TrainingDivergedException if the loss has exploded and the policy is STOP
   */
  void finite(long step, double loss) {
    skippedInARow = 0;
    taken++;
    if (loss > FLOOR && loss > RISE * lowest) {
      String what =
          String.format(
              "the loss at step %d is %.4g, over %.0f times the run's lowest (%.4g): the run "
                  + "diverged",
              step, loss, RISE, lowest);
      if (policy == NanPolicy.STOP) {
        throw TrainingDivergedException.because(step, what + "; training stopped (" + ADVICE + ")");
      }
      if (!warned) {
        log.warn("{}; continuing under the NaN policy SKIP", what);
        warned = true;
      }
    }
    lowest = Math.min(lowest, loss);
  }

  /**
   * Ends the run at {@code step}.
   *
   * @throws TrainingDivergedException if steps were run and every one of them was skipped
   */
  void finish(long step, long stepsRun) {
    if (stepsRun > 0 && taken == 0) {
      throw TrainingDivergedException.because(
          step,
          "every step of the run was skipped (the loss or gradients were "
              + "never finite): nothing was trained, and nothing is exported");
    }
  }
}
