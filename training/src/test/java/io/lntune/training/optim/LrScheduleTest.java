package io.lntune.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.lntune.training.optim.LrSchedule.Warmup;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
  @Test
  void cosineWithWarmupAsHuggingFaceComputesIt() {
    LrSchedule cosine = LrSchedule.cosine(Warmup.ratio(0.03)); // 100 steps: ceil(3) warm-up steps
    assertThat(cosine.factor(0, 100)).isZero();
    assertThat(cosine.factor(1, 100)).isCloseTo(1 / 3.0, offset(1e-12));
    assertThat(cosine.factor(3, 100)).isEqualTo(1.0);
    assertThat(cosine.factor(3 + 97 / 2, 100))
        .isCloseTo(0.5 * (1 + Math.cos(Math.PI * 48 / 97.0)), offset(1e-12));
    assertThat(cosine.factor(99, 100))
        .isCloseTo(0.5 * (1 + Math.cos(Math.PI * 96 / 97.0)), offset(1e-12));
  }

  @Test
  void linearAndConstant() {
    LrSchedule linear = LrSchedule.linear(Warmup.steps(10));
    assertThat(linear.factor(5, 110)).isEqualTo(0.5);
    assertThat(linear.factor(10, 110)).isEqualTo(1.0);
    assertThat(linear.factor(60, 110)).isEqualTo(0.5);
    assertThat(LrSchedule.constant(Warmup.none()).factor(7, 10)).isEqualTo(1.0);
    assertThat(LrSchedule.parse("Cosine", Warmup.none())).isInstanceOf(LrSchedule.Cosine.class);
    assertThatThrownBy(() -> LrSchedule.parse("step", Warmup.none()))
        .hasMessageContaining("unknown schedule 'step'");
    assertThatThrownBy(() -> Warmup.ratio(1.5)).hasMessageContaining("warm-up");
  }
}
