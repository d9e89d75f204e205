package io.lntune.tools.demo;

import java.util.List;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The geometric mean of positive measurements with its 95% confidence interval: Student's t
 * interval of the mean of their natural logarithms, taken back by {@code exp}.
 *
 * <p>Why on the logarithms: the demo's measurements are gradient variances, positive and spread
 * over a factor of ten or more within one run (large early, small late), so that a few large ones
 * would dominate an arithmetic mean and a t interval on the raw values could reach below zero.
 * Their logarithms are close to symmetric, the interval comes back positive and as lopsided as such
 * data is, and a ratio of two means is a difference of log means. Why not a percentile bootstrap:
 * with about twenty measurements its intervals are too narrow and depend on a seed; the t interval
 * needs no seed and can be checked by hand.
 *
 * <p>Two strategies measured at the same steps saw the same micro-batches there (same seed, same
 * data), so their ratio is taken step by step: the geometric mean of the per-step ratios, whose
 * interval leaves out what the steps share (the batch, the phase of training). The measurements are
 * treated as independent: they are steps apart, each on new micro-batches.
 *
 * <pre>{@code
 * GeometricMean g = GeometricMean.of(List.of(1.0, 4.0, 16.0));   // 4.0, 95%: 0.128 to 125.2
 * GeometricMean r = GeometricMean.ratio(layerNorm, full);        // per-step LAYERNORM / FULL
 * r.high() < 1;                                                  // LAYERNORM's is smaller beyond noise
 * }</pre>
 *
 * @param value the geometric mean
 * @param low the lower end of its 95% interval, positive
 * @param high the upper end of its 95% interval
 * @param n how many measurements it is of, at least 2
 */
record GeometricMean(double value, double low, double high, int n) {
  /** Checks that {@code 0 < low <= value <= high} and {@code n >= 2}. */
  GeometricMean {
    if (!(0 < low && low <= value && value <= high && high < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "need 0 < low <= value <= high < infinity, got " + low + ", " + value + ", " + high);
    }
    if (n < 2) {
      throw new IllegalArgumentException("n must be >= 2, got " + n);
    }
  }

  /**
   * {@return the geometric mean of {@code values} with its 95% interval}
   *
   * @throws IllegalArgumentException if there are fewer than two values or one is not positive and
   *     finite; the message gives its index
   */
  static GeometricMean of(List<Double> values) {
    int n = values.size();
    if (n < 2) {
      throw new IllegalArgumentException("an interval needs at least 2 values, got " + n);
    }
    double[] logs = new double[n];
    for (int i = 0; i < n; i++) {
      double v = values.get(i);
      if (!(v > 0 && v < Double.POSITIVE_INFINITY)) {
        throw new IllegalArgumentException(
            "values[" + i + "] must be positive and finite, got " + v);
      }
      logs[i] = Math.log(v);
    }
    double mean = 0;
    for (double l : logs) {
      mean += l;
    }
    mean /= n;
    double squares = 0;
    for (double l : logs) {
      squares += (l - mean) * (l - mean);
    }
    double standardError = Math.sqrt(squares / (n - 1) / n);
    double half = new TDistribution(n - 1).inverseCumulativeProbability(0.975) * standardError;
    return new GeometricMean(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), n);
  }

  /**
   * {@return the geometric mean of {@code numerators[i] / denominators[i]} with its 95% interval:
   * the ratio of two series measured in pairs}
   *
   * @throws IllegalArgumentException if the series differ in length, or as {@link #of}
   */
  static GeometricMean ratio(List<Double> numerators, List<Double> denominators) {
    if (numerators.size() != denominators.size()) {
      throw new IllegalArgumentException(
          "paired series differ in length: "
              + numerators.size()
              + " numerators, "
              + denominators.size()
              + " denominators");
    }
    return of(
        IntStream.range(0, numerators.size())
            .mapToObj(i -> numerators.get(i) / denominators.get(i))
            .toList());
  }
}
