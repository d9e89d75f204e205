package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.nn.CausalLmLoss;
import io.lntune.training.data.PromptTokens;
import io.lntune.training.data.TokenizedConversation;
import org.junit.jupiter.api.Test;

class TextPretrainingTest {
  private static final int IGNORE = (int) CausalLmLoss.IGNORE_INDEX;

  @Test
  void writesTheSceneWhereThePictureGoesAndLeavesItUnsupervised() {
    int image = PromptTokens.IMAGE_TOKEN_INDEX;
    TokenizedConversation t =
        TextPretraining.inPlaceOfImage(
            new TokenizedConversation(
                "s",
                new int[] {1, 7, 259, image, 259, 13, 30, 31},
                new int[] {IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, 30, 31},
                1),
            new int[] {50, 51, 52});
    assertThat(t.inputIds()).containsExactly(1, 7, 259, 50, 51, 52, 259, 13, 30, 31);
    assertThat(t.labels())
        .containsExactly(IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, 30, 31);
    assertThat(t.images()).isZero();
    assertThatThrownBy(() -> TextPretraining.inPlaceOfImage(t, new int[] {50}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no image placeholder");
  }
}
