package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.data.Batch;
import io.lntune.training.data.PromptTokens;
import io.lntune.training.data.TokenizedConversation;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class TextPretrainingTest {
  private static final int IGNORE = (int) CausalLmLoss.IGNORE_INDEX;

  @Test
  void writesTheSceneWhereThePictureGoesAndLeavesItUnsupervised() {
    int image = PromptTokens.IMAGE_TOKEN_INDEX;
    TokenizedConversation t = TextPretraining.inPlaceOfImage(new TokenizedConversation("s",
        new int[] {1, 7, 259, image, 259, 13, 30, 31}, new int[] {IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, 30, 31},
        1), new int[] {50, 51, 52});
    assertThat(t.inputIds()).containsExactly(1, 7, 259, 50, 51, 52, 259, 13, 30, 31);
    assertThat(t.labels()).containsExactly(IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, 30, 31);
    assertThat(t.images()).isZero();
    assertThatThrownBy(() -> TextPretraining.inPlaceOfImage(t, new int[] {50}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no image placeholder");
  }

  @Test
  void headOnSupervisedPositionsGivesTheFullCausalLoss() {
    List<TokenizedConversation> rows = List.of(
        new TokenizedConversation("caption", new int[] {1, 5, 6, 7, 8, 9, 2}, new int[] {IGNORE, IGNORE, IGNORE,
            IGNORE, 8, 9, 2}, 0),
        new TokenizedConversation("qa", new int[] {1, 10, 11, 12, 13, 14}, new int[] {IGNORE, IGNORE, 11, IGNORE,
            13, 14}, 0));
    try (LlamaModel model = new LlamaModel(DemoModels.text(20), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open();
        TextPretraining.SupervisedBatch b = TextPretraining.SupervisedBatch.of(rows);
        Batch plain = Batch.ofTokens(rows, 0)) {
      Init.normal(model, 0.02, 3);
      assertThat(b.predictors().numel()).isEqualTo(6);  // 3 caption tokens, 3 answer tokens
      CausalLmLoss.Result selected = TextPretraining.loss(model, b);
      CausalLmLoss.Result full = CausalLmLoss.of(model.forward(plain.inputIds()), plain.labels());
      assertThat(selected.tokens()).isEqualTo(full.tokens()).isEqualTo(6);
      assertThat(selected.sum().item_double()).isCloseTo(full.sum().item_double(), Offset.offset(1e-4));
    }
  }
}
