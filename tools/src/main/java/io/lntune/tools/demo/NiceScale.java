package io.lntune.tools.demo;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An axis from 0 to a round number, in round steps: a maximum loss of 2.31 gives 0, 0.5, ..., 2.5.
 *
 * @param step the distance between two ticks, 1, 2, 2.5 or 5 times a power of ten
 * @param steps how many steps from 0 to the top; at least 1
 */
record NiceScale(BigDecimal step, int steps) {

  /**
   * {@return about {@code target} steps from 0 up to at least {@code max}} With {@code integers} the steps are
   * whole numbers (no 2.5, nothing under 1), for axes that count training steps.
   */
  static NiceScale of(double max, int target, boolean integers) {
    // A flat axis (every loss 0) still needs a height to draw on.
    double range = max > 0 ? max : 1;
    double raw = range / target;
    int exponent = (int) Math.floor(Math.log10(raw));
    double fraction = raw / Math.pow(10, exponent);
    double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 && !integers ? 2.5 : fraction <= 5 ? 5 : 10;
    BigDecimal step = new BigDecimal(Double.toString(nice)).scaleByPowerOfTen(exponent).stripTrailingZeros();
    if (integers && step.compareTo(BigDecimal.ONE) < 0) {
      step = BigDecimal.ONE;
    }
    int steps = Math.max(1, new BigDecimal(Double.toString(range)).divide(step, 0, RoundingMode.CEILING).intValue());
    return new NiceScale(step, steps);
  }

  /** {@return the value at the top of the axis} */
  double top() {
    return value(steps);
  }

  /** {@return the value of tick {@code i}, 0 at the origin} */
  double value(int i) {
    return step.multiply(BigDecimal.valueOf(i)).doubleValue();
  }

  /** {@return the label of tick {@code i}: {@code 0}, {@code 0.25}, {@code 1500}} */
  String label(int i) {
    BigDecimal value = step.multiply(BigDecimal.valueOf(i)).stripTrailingZeros();
    return value.signum() == 0 ? "0" : value.toPlainString();
  }
}
