package io.lntune.tools.demo;

/**
 * A share of trials that succeeded (questions answered right), with its 95% confidence interval and
 * the interval of its difference from another share. Wilson's score interval, which stays inside
 * [0, 1] and keeps its coverage near 0 and 1 and for the few hundred questions of the demo, where
 * the normal approximation does not; differences by Newcombe's method 10, built from the two Wilson
 * intervals.
 *
 * <pre>{@code
 * Proportion ln = new Proportion(166, 200);                 // 83.0%
 * ln.interval();                                            // [0.772, 0.875]
 * ln.difference(new Proportion(149, 200)).excludesZero();   // true: 83.0% against 74.5% is a real difference
 * }</pre>
 *
 * <p>Two strategies answer the same questions, so their results are paired; treating them as
 * independent, as here, gives a wider interval than a paired test would: a difference called real
 * here is real.
 *
 * @param successes trials that succeeded, from 0 to {@code trials}
 * @param trials all trials, at least 1
 */
record Proportion(int successes, int trials) {
  /** The standard normal quantile of 97.5%: two-sided 95%. */
  private static final double Z = 1.959963984540054;

  /** Checks the counts; the message names the bad one. */
  Proportion {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be >= 1, got " + trials);
    }
    if (successes < 0 || successes > trials) {
      throw new IllegalArgumentException(
          "successes must be in [0, " + trials + "], got " + successes);
    }
  }

  /**
   * {@return the share of {@code trials} that a rate of {@code share} stands for, rounded to whole
   * trials}
   */
  static Proportion of(double share, int trials) {
    return new Proportion((int) Math.round(share * trials), trials);
  }

  /** {@return the share that succeeded, in [0, 1]} */
  double value() {
    return (double) successes / trials;
  }

  /** {@return Wilson's 95% score interval of the share} */
  Interval interval() {
    double p = value();
    double n = trials;
    double centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n);
    double half = Z / (1 + Z * Z / n) * Math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n));
    return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
  }

  /** {@return the 95% interval of this share minus {@code other} (Newcombe's method 10)} */
  Interval difference(Proportion other) {
    double d = value() - other.value();
    Interval a = interval();
    Interval b = other.interval();
    double below = Math.sqrt(square(value() - a.low()) + square(b.high() - other.value()));
    double above = Math.sqrt(square(a.high() - value()) + square(other.value() - b.low()));
    return new Interval(d - below, d + above);
  }

  private static double square(double x) {
    return x * x;
  }

  /**
   * A 95% confidence interval.
   *
   * @param low its lower end
   * @param high its upper end
   */
  record Interval(double low, double high) {
    /** {@return whether 0 lies outside: for a difference, whether it is real at the 5% level} */
    boolean excludesZero() {
      return low > 0 || high < 0;
    }
  }
}
