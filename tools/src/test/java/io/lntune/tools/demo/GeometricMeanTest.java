package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The geometric mean's 95% interval against hand computations with t-table quantiles. */
class GeometricMeanTest {
  /** Student's t, 97.5% quantile, 2 and 4 degrees of freedom (any printed t table). */
  private static final double T2 = 4.302653;

  private static final double T4 = 2.776445;

  @Test
  void theIntervalIsStudentsTOnTheLogarithms() {
    // logs 0, ln 4, 2 ln 4: mean ln 4, standard deviation ln 4, standard error ln 4 / sqrt 3.
    GeometricMean g = GeometricMean.of(List.of(1.0, 4.0, 16.0));
    double half = T2 * Math.log(4) / Math.sqrt(3);
    assertThat(g.value()).isCloseTo(4.0, within(1e-12));
    assertThat(g.low()).isCloseTo(Math.exp(Math.log(4) - half), within(1e-6));
    assertThat(g.high()).isCloseTo(Math.exp(Math.log(4) + half), within(1e-4));
    assertThat(g.low()).isCloseTo(0.12778, within(1e-5));
    assertThat(g.high()).isCloseTo(125.216, within(1e-3));
    assertThat(g.n()).isEqualTo(3);
  }

  @Test
  void aRatioIsTheGeometricMeanOfThePerStepRatios() {
    // Ratios 0.5, 0.25, 0.5, 0.25, 0.5: logs -ln2 x3 and -2 ln2 x2, mean -1.4 ln 2,
    // sum of squared deviations (3 x 0.16 + 2 x 0.36) (ln 2)^2 = 1.2 (ln 2)^2, s^2 = 0.3 (ln 2)^2.
    GeometricMean r =
        GeometricMean.ratio(List.of(1.0, 2.0, 4.0, 1.0, 3.0), List.of(2.0, 8.0, 8.0, 4.0, 6.0));
    double ln2 = Math.log(2);
    double half = T4 * Math.sqrt(0.3) * ln2 / Math.sqrt(5);
    assertThat(r.value()).isCloseTo(Math.exp(-1.4 * ln2), within(1e-12));
    assertThat(r.low()).isCloseTo(Math.exp(-1.4 * ln2 - half), within(1e-6));
    assertThat(r.high()).isCloseTo(Math.exp(-1.4 * ln2 + half), within(1e-6));
    assertThat(r.high()).as("every ratio below 1, and close together").isLessThan(1);
  }

  @Test
  void refusesTooFewOrNonPositiveValuesAndUnpairedSeries() {
    assertThatThrownBy(() -> GeometricMean.of(List.of(2.0)))
        .hasMessageContaining("at least 2 values, got 1");
    assertThatThrownBy(() -> GeometricMean.of(List.of(2.0, 0.0)))
        .hasMessageContaining("values[1] must be positive and finite, got 0.0");
    assertThatThrownBy(() -> GeometricMean.of(List.of(Double.NaN, 1.0)))
        .hasMessageContaining("values[0]");
    assertThatThrownBy(() -> GeometricMean.ratio(List.of(1.0, 2.0), List.of(1.0)))
        .hasMessageContaining("2 numerators, 1 denominators");
  }
}
