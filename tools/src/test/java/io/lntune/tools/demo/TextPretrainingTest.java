package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.CausalLmLoss;
import io.lntune.training.data.TokenizedConversation;
import org.junit.jupiter.api.Test;

class TextPretrainingTest {
  private static final int IGNORE = (int) CausalLmLoss.IGNORE_INDEX;

  @Test
  void supervisesOnlyWhatFollowsTheScene() {
    TokenizedConversation t = TextPretraining.captioned(new int[] {1, 50, 51, 52}, new int[] {30, 31});
    assertThat(t.inputIds()).containsExactly(1, 50, 51, 52, 30, 31);
    assertThat(t.labels()).containsExactly(IGNORE, IGNORE, IGNORE, IGNORE, 30, 31);
    assertThat(t.images()).isZero();
  }
}
