package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.SentencePieceModelWriter;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.TokenizedConversation;
import io.lntune.training.data.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnswerAccuracyTest {
  @TempDir Path dir;

  @Test
  void candidatesScoredAsOneBatchMatchEachScoredAlone() throws Exception {
    Torch.init();
    Path file = dir.resolve("tokenizer.model");
    Files.write(
        file,
        SentencePieceModelWriter.forCorpus(
            List.of(
                String.join(" ", AnswerAccuracy.PLACES),
                String.join(" ", AnswerAccuracy.COLOURS),
                "Where is the red star? USER: ASSISTANT: A chat")));
    Tokenizer tok = Tokenizer.load(file);
    ConversationTemplate template = ConversationTemplate.forName("vicuna_v1");
    Tokenizer padded = tok.withPadToken(template.padToken());
    LlavaModel model =
        new LlavaModel(DemoModels.llava(tok.vocabSize() + 1), Placement.cpu(DType.F32));
    Init.normal(model, 0.02, 3);
    model.eval();
    // Place names have one or two words, so the batch is padded.
    AnswerAccuracy.Question q =
        new AnswerAccuracy.Question(
            "a.png", "Where is the red star?", "top left", AnswerAccuracy.PLACES);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor pixels = randn(1, 3, DemoModels.IMAGE, DemoModels.IMAGE);
      double[] batched = AnswerAccuracy.logLikelihoods(model, template, padded, pixels, q);
      assertThat(batched).hasSize(9);
      for (int c = 0; c < 9; c++) {
        TokenizedConversation t =
            template.tokenize(
                new LlavaSample(
                    "eval",
                    Optional.of("a.png"),
                    List.of(
                        new Turn(Turn.HUMAN, "<image>\n" + q.text()),
                        new Turn(Turn.GPT, q.candidates().get(c))),
                    Map.of()),
                padded,
                ImageMarkup.BARE);
        Tensor ids =
            Tensor.create(
                Arrays.stream(t.inputIds()).asLongStream().toArray(), 1, t.inputIds().length);
        Tensor labels =
            Tensor.create(Arrays.stream(t.labels()).asLongStream().toArray(), 1, t.labels().length);
        double alone =
            -model
                .forward(LlavaInput.of(ids).withLabels(labels).withPixels(pixels))
                .loss()
                .orElseThrow()
                .sum()
                .item_double();
        assertThat(batched[c]).as(q.candidates().get(c)).isCloseTo(alone, within(1e-3));
      }
      assertThat(Arrays.stream(batched).distinct().count())
          .as("candidates get different scores")
          .isGreaterThan(1);
    }
    model.close();
  }
}
