package io.lntune.training.optim;

import java.util.Locale;

/**
 * The learning rate as a fraction of its peak, by step. Warm-up rises linearly from 0; then the
 * rate stays ({@link Constant}), falls linearly to 0 ({@link Linear}) or follows half a cosine to 0
 * ({@link Cosine}), over the run's total steps, as Hugging Face's schedulers do.
 *
 * <pre>{@code
 * LrSchedule s = LrSchedule.cosine(Warmup.ratio(0.03));
 * double lr = peak * s.factor(step, totalSteps);
 * }</pre>
 */
public sealed interface LrSchedule {

  /** {@return the factor at {@code step} (0-based) of {@code total} steps} */
  double factor(long step, long total);

  /** Warm-up length: a number of steps, or a ratio of the total. */
  record Warmup(long steps, double ratio) {
    public Warmup {
      if (steps < 0 || !(ratio >= 0 && ratio < 1)) {
        throw new IllegalArgumentException(
            "warm-up needs steps >= 0 and a ratio in [0, 1), got " + steps + ", " + ratio);
      }
    }

    public static Warmup none() {
      return new Warmup(0, 0);
    }

    public static Warmup steps(long steps) {
      return new Warmup(steps, 0);
    }

    public static Warmup ratio(double ratio) {
      return new Warmup(0, ratio);
    }

    /** {@return warm-up steps for a run of {@code total} steps (a ratio rounds up, as HF does)} */
    public long stepsOf(long total) {
      return steps > 0 ? steps : (long) Math.ceil(ratio * total);
    }

    double rise(long step, long total) {
      long w = stepsOf(total);
      return step < w ? (double) step / w : 1.0;
    }
  }

  static LrSchedule constant(Warmup warmup) {
    return new Constant(warmup);
  }

  static LrSchedule linear(Warmup warmup) {
    return new Linear(warmup);
  }

  static LrSchedule cosine(Warmup warmup) {
    return new Cosine(warmup);
  }

  /**
   * Parses {@code constant}, {@code linear} or {@code cosine}.
   *
   * @throws IllegalArgumentException for other names
   */
  static LrSchedule parse(String name, Warmup warmup) {
    switch (name.strip().toLowerCase(Locale.ROOT)) {
      case "constant":
        return constant(warmup);
      case "linear":
        return linear(warmup);
      case "cosine":
        return cosine(warmup);
      default:
        throw new IllegalArgumentException(
            "unknown schedule '" + name + "': expected constant, linear or cosine");
    }
  }

  /** Warm-up, then the peak rate. */
  record Constant(Warmup warmup) implements LrSchedule {
    @Override
    public double factor(long step, long total) {
      return warmup.rise(step, total);
    }
  }

  /** Warm-up, then a straight line to 0 at the last step. */
  record Linear(Warmup warmup) implements LrSchedule {
    @Override
    public double factor(long step, long total) {
      long w = warmup.stepsOf(total);
      if (step < w) {
        return warmup.rise(step, total);
      }
      return Math.max(0.0, (double) (total - step) / Math.max(1, total - w));
    }
  }

  /** Warm-up, then half a cosine to 0 at the last step. */
  record Cosine(Warmup warmup) implements LrSchedule {
    @Override
    public double factor(long step, long total) {
      long w = warmup.stepsOf(total);
      if (step < w) {
        return warmup.rise(step, total);
      }
      double progress = (double) (step - w) / Math.max(1, total - w);
      return Math.max(0.0, 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
  }
}
