package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.RealRepo;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.models.tokenizer.TokenizerException;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pad token and the rows a model needs for its tokenizer's ids, as LLaVA's train.py and
 * builder.py set them.
 */
class LlavaVocabularyTest {
  private static final ConversationTemplate V0 = ConversationTemplate.forName("v0");
  private static final ConversationTemplate V1 = ConversationTemplate.forName("vicuna_v1");
  @TempDir Path dir;

  private static Tensor meanRow(LlavaModel m, long rows) {
    try (NoGradGuard g = new NoGradGuard()) {
      return m.languageModel()
          .embedTokens()
          .weight()
          .narrow(0, 0, rows)
          .mean(new long[] {0}, false, new ScalarTypeOptional());
    }
  }

  @Test
  void v0AddsPadWithAMeanRowWhenTheTokenizerHasNoPad() {
    try (LlavaModel m = TinyLlava.random(1, 32000);
        TensorScope scope = TensorScope.open()) {
      Tensor mean = meanRow(m, 32000);
      Tokenizer tok = LlavaVocabulary.forTraining(m, TemplateGoldenTest.LLAMA, V0);
      assertThat(tok.specialTokens().pad()).isEqualTo(32000);
      assertThat(tok.tokenId("[PAD]")).hasValue(32000);
      assertThat(m.config().text().vocabSize()).isEqualTo(32001);
      try (NoGradGuard g = new NoGradGuard()) {
        Tensor row = m.languageModel().embedTokens().weight().select(0, 32000);
        assertThat(row.sub(mean).abs().max().item_double()).isLessThan(1e-6);
        assertThat(m.languageModel().lmHead().weight().size(0)).isEqualTo(32001);
      }
    }
  }

  @Test
  void aTokenizerLargerThanTheModelIsRefusedNotGrownInto() {
    try (LlavaModel m = TinyLlava.random(1, 1000)) {
      for (Runnable use :
          List.<Runnable>of(
              () -> LlavaVocabulary.forGeneration(m, TemplateGoldenTest.LLAMA),
              () -> LlavaVocabulary.forTraining(m, TemplateGoldenTest.LLAMA, V1))) {
        assertThatThrownBy(use::run)
            .isInstanceOf(TokenizerException.class)
            .hasMessage(
                "the tokenizer has 32,000 "
                    + "SentencePiece pieces but the model's embed_tokens has 1,000 rows (config.json's vocab_size): the "
                    + "tokenizer belongs to another model");
      }
      assertThat(m.config().text().vocabSize()).isEqualTo(1000);
    }
  }

  @Test
  void otherTemplatesPadWithTheConfigsPadIdOrUnkAndAddNothing() {
    try (LlavaModel m = TinyLlava.random(1, 32000)) {
      Tokenizer tok = LlavaVocabulary.forTraining(m, TemplateGoldenTest.LLAMA, V1);
      assertThat(m.config().text().padTokenId()).isZero();
      assertThat(tok.specialTokens().pad()).isZero();
      assertThat(tok.vocabSize()).isEqualTo(32000);
      assertThat(m.config().text().vocabSize()).isEqualTo(32000);
    }
  }

  @Test
  void imStartEndTokensAreAddedAfterThePadAndGetRowsForTrainingAndGeneration() {
    try (LlavaModel m = TinyLlava.random(1, 32000, true)) {
      Tokenizer tok = LlavaVocabulary.forTraining(m, TemplateGoldenTest.LLAMA, V0);
      assertThat(
              List.of(
                  tok.tokenId("[PAD]").getAsInt(),
                  tok.tokenId("<im_start>").getAsInt(),
                  tok.tokenId("<im_end>").getAsInt()))
          .containsExactly(32000, 32001, 32002);
      assertThat(m.config().text().vocabSize()).isEqualTo(32003);
    }
    try (LlavaModel m = TinyLlava.random(1, 32000, true)) {
      Tokenizer tok = LlavaVocabulary.forGeneration(m, TemplateGoldenTest.LLAMA);
      assertThat(tok.tokenId("<im_start>")).hasValue(32000);
      assertThat(tok.specialTokens().pad()).isEqualTo(-1);
      assertThat(m.config().text().vocabSize()).isEqualTo(32002);
    }
  }

  @Test
  void llavaHfKeepsItsOwnPadAndItsPaddedVocabulary() throws Exception {
    Path d = TinyLlava.real(RealRepo.LLAVA_HF, dir.resolve("hf"), 1);
    try (LlavaModel m = LlavaModel.load(d, Placement.cpu(DType.F32))) {
      for (ConversationTemplate t : List.of(V0, V1)) {
        Tokenizer tok = LlavaVocabulary.forTraining(m, Tokenizer.load(d), t);
        assertThat(tok.specialTokens().pad())
            .as(t.name())
            .isEqualTo(32001); // <pad>, from its own files
        assertThat(tok.vocabSize()).isEqualTo(32002);
      }
      assertThat(m.config().text().vocabSize()).isEqualTo(32064);
    }
  }
}
