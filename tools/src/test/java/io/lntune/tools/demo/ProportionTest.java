package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProportionTest {
  /**
   * Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3
   * (Wilson).
   */
  @Test
  void wilsonIntervalsMatchNewcombesTable() {
    assertInterval(new Proportion(81, 263).interval(), 0.2553, 0.3662);
    assertInterval(new Proportion(15, 148).interval(), 0.0624, 0.1605);
    assertInterval(new Proportion(0, 20).interval(), 0.0, 0.1611);
    assertInterval(new Proportion(1, 29).interval(), 0.0061, 0.1718);
  }

  /**
   * Newcombe (1998), "Interval estimation for the difference between independent proportions",
   * Table II, method 10 (score, no continuity correction).
   */
  @Test
  void differencesMatchNewcombesTable() {
    assertInterval(new Proportion(56, 70).difference(new Proportion(48, 80)), 0.0524, 0.3339);
    assertInterval(new Proportion(9, 10).difference(new Proportion(3, 10)), 0.1705, 0.8090);
    assertThat(new Proportion(56, 70).difference(new Proportion(48, 80)).excludesZero()).isTrue();
    assertThat(new Proportion(166, 200).difference(new Proportion(164, 200)).excludesZero())
        .isFalse();
  }

  @Test
  void demoLinesSayWhichDifferencesAreReal() {
    List<Double> losses = List.of(1.0);
    List<DemoRun> runs =
        List.of(
            new DemoRun("LAYERNORM", 1, 10, 0, 1, 0.83, 200, 1, losses),
            new DemoRun("FULL", 1, 10, 0, 1, 0.81, 200, 1, losses),
            new DemoRun("CONNECTOR_ONLY", 1, 10, 0, 1, 0.62, 200, 1, losses));
    assertThat(DemoTable.differenceLines(runs))
        .hasSize(2)
        .satisfiesExactly(
            full ->
                assertThat(full)
                    .startsWith("FULL - LAYERNORM: -2.0 points (")
                    .endsWith("): within noise"),
            connector ->
                assertThat(connector)
                    .startsWith("CONNECTOR_ONLY - LAYERNORM: -21.0 points (")
                    .endsWith("): real"));
  }

  @Test
  void refusesImpossibleCounts() {
    assertThatThrownBy(() -> new Proportion(1, 0)).hasMessageContaining("trials");
    assertThatThrownBy(() -> new Proportion(5, 4)).hasMessageContaining("successes");
    assertThatThrownBy(() -> new Proportion(-1, 4)).hasMessageContaining("successes");
  }

  private static void assertInterval(Proportion.Interval ci, double low, double high) {
    assertThat(ci.low()).isCloseTo(low, within(5e-5));
    assertThat(ci.high()).isCloseTo(high, within(5e-5));
  }
}
