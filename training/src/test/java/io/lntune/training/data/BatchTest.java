package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.torch.Tensors;
import java.util.List;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class BatchTest {
  private static final long IGNORE = PromptTokens.IGNORE_INDEX;

  @Test
  void padsTokenRowsOnTheRightWithNothingToPredictOrAttendTo() {
    TokenizedConversation longer =
        new TokenizedConversation(
            "a", new int[] {1, 50, 51, 30, 31}, new int[] {-100, -100, -100, 30, 31}, 0);
    TokenizedConversation shorter =
        new TokenizedConversation("b", new int[] {1, 7, 8}, new int[] {-100, 7, 8}, 0);
    try (Batch b = Batch.ofTokens(List.of(longer, shorter), 9)) {
      assertThat(b.sampleIds()).containsExactly("a", "b");
      assertThat(Tensors.shape(b.inputIds())).isEqualTo("[2, 5]");
      assertThat(Tensors.longs(b.inputIds(), 10)).containsExactly(1, 50, 51, 30, 31, 1, 7, 8, 9, 9);
      assertThat(Tensors.longs(b.labels(), 10))
          .containsExactly(IGNORE, IGNORE, IGNORE, 30, 31, IGNORE, 7, 8, IGNORE, IGNORE);
      assertThat(Tensors.longs(b.attentionMask().to(ScalarType.Long), 10))
          .containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
      assertThat(b.images().size(0)).isZero();
    }
  }
}
