package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What counts as a run that came apart, under each NaN policy. */
class DivergenceGuardTest {
  @Test
  void anExplodingLossStopsTheRunNamingTheStepAndThePolicy() {
    DivergenceGuard guard = new DivergenceGuard(NanPolicy.STOP);
    guard.finite(1, 10.2);
    guard.finite(2, 6.5);
    guard.finite(3, 150); // past the floor, but only 23 times the lowest
    assertThatThrownBy(() -> guard.finite(4, 5e12))
        .isInstanceOfSatisfying(
            TrainingDivergedException.class, e -> assertThat(e.step()).isEqualTo(4))
        .hasMessage(
            "the loss at step 4 is 5.000e+12, over 1000 times the run's lowest (6.500): the run diverged; "
                + "training stopped (lower the learning rate, or set the NaN policy to SKIP (--nan-policy SKIP))");
  }

  @Test
  void aWellTrainedModelMayMeetAHardBatch() {
    DivergenceGuard guard = new DivergenceGuard(NanPolicy.STOP);
    guard.finite(1, 0.01);
    guard.finite(
        2,
        60); // 6000 times the lowest, but below the floor: no model that learned anything is this
    // lost
    guard.finish(2, 2);
  }

  @Test
  void skipGoesOnUntilEveryStepIsSkipped() {
    DivergenceGuard guard = new DivergenceGuard(NanPolicy.SKIP);
    guard.finite(1, 1.0);
    guard.finite(2, 5e12); // warned, not stopped
    for (int i = 1; i < DivergenceGuard.SKIPPED_IN_A_ROW; i++) {
      assertThat(guard.nonFinite(2 + i, "the loss")).isTrue();
    }
    guard.finite(30, 2.0); // a good step resets the count
    for (int i = 1; i < DivergenceGuard.SKIPPED_IN_A_ROW; i++) {
      guard.nonFinite(30 + i, "the gradient norm");
    }
    assertThatThrownBy(() -> guard.nonFinite(50, "the gradient norm"))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining(
            "the last 20 steps were all skipped (the gradient norm is not finite)");
  }

  @Test
  void aRunWhoseEveryStepWasSkippedFailsAtTheEnd() {
    DivergenceGuard guard = new DivergenceGuard(NanPolicy.SKIP);
    guard.nonFinite(1, "the loss");
    guard.nonFinite(2, "the loss");
    assertThatThrownBy(() -> guard.finish(2, 2))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("every step of the run was skipped");
    new DivergenceGuard(NanPolicy.SKIP)
        .finish(7, 0); // a finished run rerun: nothing to do, nothing wrong
  }

  @Test
  void nonFiniteStopsAtOnceUnderStop() {
    assertThatThrownBy(() -> new DivergenceGuard(NanPolicy.STOP).nonFinite(3, "the loss"))
        .hasMessage(
            "the loss at step 3 is not finite: training stopped (lower the learning rate, or set the NaN "
                + "policy to SKIP: --nan-policy SKIP)");
  }
}
