package io.lntune.tools.demo;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.PromptTokens;
import io.lntune.training.data.TokenizedConversation;
import io.lntune.training.loop.NextTokenTask;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.Scene;
import io.lntune.training.synth.SceneText;
import io.lntune.training.synth.SyntheticWorld;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;

/**
 * Pretrains the tiny LLaMA as a language model on the synthetic world's kind of text: captions and
 * conversations about freshly drawn scenes, each scene written as its nine {@link CellWords}
 * exactly where the picture's nine patch tokens will be in stage 1 and 2 (same template, same
 * tokens around them). It learns to describe and answer from a scene given as words laid out like
 * the picture's patches. Only what follows from the scene is supervised (answers and captions, not
 * the random cell words), and every text has a new scene, so that it learns to read the scene
 * rather than remember the world's training pictures.
 */
final class TextPretraining {
  private TextPretraining() {}

  /**
   * {@return {@code t} with the scene's cell-word ids where its image placeholder is, given and not
   * supervised} Everything around them is tokenized as the picture's sample is in stage 1 and 2,
   * placeholder included (LLaVA tokenizes the text on either side of {@code <image>} apart, which
   * leaves a lone space token on each side), so the cell words sit exactly where the patch tokens
   * will.
   *
   * @throws IllegalArgumentException if {@code t} has no image placeholder
   */
  static TokenizedConversation inPlaceOfImage(TokenizedConversation t, int[] cells) {
    int at = 0;
    while (at < t.inputIds().length && t.inputIds()[at] != PromptTokens.IMAGE_TOKEN_INDEX) {
      at++;
    }
    if (at == t.inputIds().length) {
      throw new IllegalArgumentException("sample " + t.id() + " has no image placeholder");
    }
    int n = t.inputIds().length;
    int[] ids = new int[n - 1 + cells.length];
    int[] labels = new int[ids.length];
    System.arraycopy(t.inputIds(), 0, ids, 0, at);
    System.arraycopy(cells, 0, ids, at, cells.length);
    System.arraycopy(t.inputIds(), at + 1, ids, at + cells.length, n - at - 1);
    System.arraycopy(t.labels(), 0, labels, 0, at);
    Arrays.fill(labels, at, at + cells.length, PromptTokens.IGNORE_INDEX);
    System.arraycopy(t.labels(), at + 1, labels, at + cells.length, n - at - 1);
    return new TokenizedConversation(t.id(), ids, labels, 0);
  }

  static TrainingRun run(LlamaModel model, Tokenizer tok, int steps, int batchSize, long seed) {
    TrainingRun result =
        Pretraining.run(
            model,
            Selection.of(Strategy.FULL),
            1e-3,
            steps,
            new NextTokenTask<>(model),
            batches(new Texts(tok), new Random(seed), batchSize),
            true);
    model.eval();
    return result;
  }

  /** A batch of texts, padded; only what follows from the scene is labelled. */
  private record TextBatch(Batch tokens) implements NextTokenTask.Tokens {
    @Override
    public Tensor ids() {
      return tokens.inputIds();
    }

    @Override
    public Tensor labels() {
      return tokens.labels();
    }

    @Override
    public void close() {
      tokens.close();
    }
  }

  /**
   * Texts about freshly drawn scenes, each scene written as its nine cell words in the picture's
   * place: a fifth are captions as stage 1 shows them (LLaVA's plain template: the picture, then
   * the caption), the rest conversations in the vicuna_v1 template as stage 2 has them. The
   * language model learns to use a scene given in words, which the connector later learns to feed
   * it from the picture itself (stage 1), as LLaVA relies on an LLM that reasons over text. A new
   * scene every time makes it learn to read the scene rather than remember the world's pictures.
   */
  private static final class Texts {
    private final Tokenizer tok;
    private final ConversationTemplate plain = ConversationTemplate.forName("plain");
    private final ConversationTemplate vicuna = ConversationTemplate.forName("vicuna_v1");
    private final Tokenizer plainTok;
    private final Tokenizer vicunaTok;

    Texts(Tokenizer tok) {
      this.tok = tok;
      this.plainTok =
          tok.withPadToken(plain.padToken()); // as the tuner tokenizes with each template
      this.vicunaTok = tok.withPadToken(vicuna.padToken());
    }

    /** {@return a caption of a fresh scene (one time in five) or a conversation about one} */
    TokenizedConversation next(Random random) {
      Scene scene = Scene.random(random);
      int[] cells = tok.encode(CellWords.of(SceneText.caption(scene)));
      if (cells.length != 9) {
        throw new IllegalStateException(
            "the tokenizer splits the cell words: " + cells.length + " tokens for 9");
      }
      TokenizedConversation t =
          random.nextInt(5) == 0
              ? plain.tokenize(
                  picture(List.of(SceneText.description(scene))), plainTok, ImageMarkup.BARE)
              : vicuna.tokenize(
                  picture(SceneText.questions(scene, random)), vicunaTok, ImageMarkup.BARE);
      return inPlaceOfImage(t, cells);
    }

    private static LlavaSample picture(List<SceneText.QA> qas) {
      return new LlavaSample(
          "text", Optional.of("scene.png"), SyntheticWorld.conversation(qas), Map.of());
    }
  }

  /**
   * Each batch is {@code batchSize} fresh texts, right-padded with id 0 (no label, so never
   * learned).
   */
  private static Iterator<TextBatch> batches(Texts texts, Random random, int batchSize) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public TextBatch next() {
        return new TextBatch(
            Batch.ofTokens(Stream.generate(() -> texts.next(random)).limit(batchSize).toList(), 0));
      }
    };
  }
}
