package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.CausalLmLoss;
import io.lntune.torch.Tensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextPretrainingTest {
  private static final long IGNORE = CausalLmLoss.IGNORE_INDEX;

  @Test
  void supervisesOnlyWhatFollowsTheScene() {
    TextPretraining.Text t = TextPretraining.Text.after(new int[] {1, 50, 51, 52}, new int[] {30, 31});
    assertThat(t.ids()).containsExactly(1, 50, 51, 52, 30, 31);
    assertThat(t.labels()).containsExactly((int) IGNORE, (int) IGNORE, (int) IGNORE, (int) IGNORE, 30, 31);
  }

  @Test
  void padsShorterTextsOnTheRightWithNothingToPredict() {
    TextPretraining.Text longer = TextPretraining.Text.after(new int[] {1, 50, 51}, new int[] {30, 31});
    TextPretraining.Text shorter = new TextPretraining.Text(new int[] {1, 7, 8}, new int[] {(int) IGNORE, 7, 8});
    try (TextPretraining.Batch b = TextPretraining.batch(List.of(longer, shorter))) {
      assertThat(Tensors.shape(b.ids())).isEqualTo("[2, 5]");
      assertThat(Tensors.longs(b.ids(), 10)).containsExactly(1, 50, 51, 30, 31, 1, 7, 8, 0, 0);
      assertThat(Tensors.longs(b.labels(), 10))
          .containsExactly(IGNORE, IGNORE, IGNORE, 30, 31, IGNORE, 7, 8, IGNORE, IGNORE);
    }
  }
}
