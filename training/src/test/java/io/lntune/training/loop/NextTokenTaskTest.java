package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.data.Batch;
import io.lntune.training.data.TokenizedConversation;
import java.util.List;
import org.assertj.core.data.Offset;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class NextTokenTaskTest {
  private static final int IGNORE = (int) CausalLmLoss.IGNORE_INDEX;

  @Test
  void headOnSupervisedPositionsGivesTheFullCausalLoss() {
    List<TokenizedConversation> rows =
        List.of(
            new TokenizedConversation(
                "caption",
                new int[] {1, 5, 6, 7, 8, 9, 2},
                new int[] {IGNORE, IGNORE, IGNORE, IGNORE, 8, 9, 2},
                0),
            new TokenizedConversation(
                "qa",
                new int[] {1, 10, 11, 12, 13, 14},
                new int[] {IGNORE, IGNORE, 11, IGNORE, 13, 14},
                0));
    try (LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open();
        Batch plain = Batch.ofTokens(rows, 0)) {
      Init.normal(model, 0.02, 3);
      CausalLmLoss.Result selected =
          new NextTokenTask<>(model).loss(plain.inputIds(), plain.labels());
      CausalLmLoss.Result full = CausalLmLoss.of(model.forward(plain.inputIds()), plain.labels());
      assertThat(selected.tokens())
          .as("3 caption tokens, 3 answer tokens")
          .isEqualTo(full.tokens())
          .isEqualTo(6);
      assertThat(selected.sum().item_double())
          .isCloseTo(full.sum().item_double(), Offset.offset(1e-4));
    }
  }

  @Test
  void aBatchWithoutSupervisedTokensGivesAZeroLossThatBackpropagates() {
    List<TokenizedConversation> rows =
        List.of(
            new TokenizedConversation(
                "truncated before its answer",
                new int[] {1, 5, 6, 7},
                new int[] {IGNORE, IGNORE, IGNORE, IGNORE},
                0));
    try (LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open();
        Batch plain = Batch.ofTokens(rows, 0)) {
      Init.normal(model, 0.02, 3);
      Tensor head = model.lmHead().weight().requires_grad_(true);
      CausalLmLoss.Result loss = new NextTokenTask<>(model).loss(plain.inputIds(), plain.labels());
      assertThat(loss.tokens()).isZero();
      assertThat(loss.sum().item_double()).isZero();
      loss.sum().backward();
      assertThat(head.grad().defined()).as("a gradient, not none").isTrue();
      assertThat(head.grad().abs().sum().item_double()).isZero();
    }
  }
}
