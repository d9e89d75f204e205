package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.Modules;
import io.lntune.torch.TensorScope;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * LLaVA v1's {@code <im_start>} and {@code <im_end>}: two new vocabulary rows, mean-initialised,
 * around each image.
 */
class ImStartEndTest {
  @Test
  void addedTokensGetMeanRowsAndWrapImages() {
    LlavaModel model = TinyLlava.random(5);
    long vocab = model.config().text().vocabSize();
    Tensor oldMean;
    try (NoGradGuard g = new NoGradGuard()) {
      oldMean =
          model
              .languageModel()
              .embedTokens()
              .weight()
              .mean(new long[] {0}, false, new ScalarTypeOptional());
    }
    model.resizeVocabulary(vocab + 2); // <im_start> = vocab, <im_end> = vocab + 1
    assertThat(model.config().text().vocabSize()).isEqualTo(vocab + 2);
    Map<String, Tensor> params = Modules.namedParameters(model);
    assertThat(params.get("model.embed_tokens.weight").size(0)).isEqualTo(vocab + 2);
    assertThat(params.get("lm_head.weight").size(0)).isEqualTo(vocab + 2);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor rows = model.languageModel().embedTokens().weight().narrow(0, vocab, 2);
      assertThat(rows.sub(oldMean.unsqueeze(0)).abs().max().item_double()).isLessThan(1e-6);
      long img = LlavaConfig.IMAGE_TOKEN_INDEX;
      Tensor ids = Tensor.create(new long[] {1, 5, vocab, img, vocab + 1, 9}, 1, 6);
      LlavaOutput out = model.forward(LlavaInput.of(ids).withPixels(LlavaModelTest.pixels(1)));
      assertThat(out.logits().size(1)).isEqualTo(5 + model.config().imageTokens());
      assertThat(out.logits().size(2)).isEqualTo(vocab + 2);
    }
    model.close();
  }
}
