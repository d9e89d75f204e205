package io.lntune.tools.demo;

import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.PromptTokens;
import io.lntune.training.data.TokenizedConversation;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.Scene;
import io.lntune.training.synth.SceneText;
import io.lntune.training.synth.SyntheticWorld;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * Pretrains the tiny LLaMA as a language model on the synthetic world's kind of text: captions and conversations
 * about freshly drawn scenes, each scene written as its nine {@link CellWords} exactly where the picture's nine
 * patch tokens will be in stage 1 and 2 (same template, same tokens around them). It learns to describe and answer
 * from a scene given as words laid out like the picture's patches. Only what follows from the scene is supervised
 * (answers and captions, not the random cell words), and every text has a new scene: trained on the world's
 * training pictures (1,600 then) with every token supervised, it remembered those scenes and answered colour and
 * place questions about new ones at 63% and 39%; this way it reads them (74% and 51%, 98% on counts).
 */
final class TextPretraining {
  private TextPretraining() {}

  /**
   * {@return {@code t} with the scene's cell-word ids where its image placeholder is, given and not supervised}
   * Everything around them is tokenized as the picture's sample is in stage 1 and 2, placeholder included (LLaVA
   * tokenizes the text on either side of {@code <image>} apart, which leaves a lone space token on each side), so
   * the cell words sit exactly where the patch tokens will.
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

  static io.lntune.training.loop.TrainingRun run(LlamaModel model, Tokenizer tok, int steps, int batchSize,
      long seed) {
    io.lntune.training.loop.TrainingRun result = Pretraining.run(model, Selection.of(Strategy.FULL), 1e-3, steps,
        (SupervisedBatch b) -> loss(model, b), batches(new Texts(tok), new Random(seed), batchSize), true);
    model.eval();
    return result;
  }

  /**
   * A batch of texts: the padded token ids [B, T] and the supervised predictions, as the flat positions [N] in
   * [B * T] whose next token is labelled and those next tokens [N].
   */
  record SupervisedBatch(Batch tokens, Tensor predictors, Tensor targets) implements AutoCloseable {
    @Override
    public void close() {
      tokens.close();
      predictors.close();
      targets.close();
    }

    static SupervisedBatch of(List<TokenizedConversation> rows) {
      Batch tokens = Batch.ofTokens(rows, 0);
      long length = tokens.inputIds().size(1);
      List<Long> predictors = new ArrayList<>();
      List<Long> targets = new ArrayList<>();
      for (int row = 0; row < rows.size(); row++) {
        int[] labels = rows.get(row).labels();
        for (int j = 1; j < labels.length; j++) {
          if (labels[j] != CausalLmLoss.IGNORE_INDEX) {
            predictors.add(row * length + j - 1);
            targets.add((long) labels[j]);
          }
        }
      }
      return new SupervisedBatch(tokens, longs(predictors), longs(targets));
    }

    private static Tensor longs(List<Long> values) {
      return Tensor.create(values.stream().mapToLong(Long::longValue).toArray(), values.size());
    }
  }

  /**
   * {@return the summed loss over the supervised tokens} The head only sees the positions that predict one: the
   * answers and captions are a fifth of the tokens, and the head over the vocabulary is a quarter of the model.
   */
  static CausalLmLoss.Result loss(LlamaModel model, SupervisedBatch b) {
    Tensor hidden = model.hiddenStates(model.embed(b.tokens().inputIds()));   // [B, T, D]
    Tensor logits = model.logits(hidden.flatten(0, 1).index_select(0, b.predictors()));   // [N, vocab]
    Tensor sum = cross_entropy_loss(logits, b.targets(), new TensorOptional(), 2, CausalLmLoss.IGNORE_INDEX, 0.0);
    return new CausalLmLoss.Result(sum, b.targets().numel());
  }

  /**
   * Texts about freshly drawn scenes, each scene written as its nine cell words in the picture's place: a fifth are
   * captions as stage 1 shows them (LLaVA's plain template: the picture, then the caption), the rest conversations
   * in the vicuna_v1 template as stage 2 has them. The language model learns to use a scene given in words, which
   * the connector later learns to feed it from the picture itself (stage 1), as LLaVA relies on an LLM that reasons
   * over text. A new scene every time makes it learn to read the scene rather than remember the world's pictures.
   */
  private static final class Texts {
    private final Tokenizer tok;
    private final ConversationTemplate plain = ConversationTemplate.forName("plain");
    private final ConversationTemplate vicuna = ConversationTemplate.forName("vicuna_v1");
    private final Tokenizer plainTok;
    private final Tokenizer vicunaTok;

    Texts(Tokenizer tok) {
      this.tok = tok;
      this.plainTok = tok.withPadToken(plain.padToken());   // as the tuner tokenizes with each template
      this.vicunaTok = tok.withPadToken(vicuna.padToken());
    }

    /** {@return a caption of a fresh scene (one time in five) or a conversation about one} */
    TokenizedConversation next(Random random) {
      Scene scene = Scene.random(random);
      int[] cells = tok.encode(CellWords.of(SceneText.caption(scene)));
      if (cells.length != 9) {
        throw new IllegalStateException("the tokenizer splits the cell words: " + cells.length + " tokens for 9");
      }
      TokenizedConversation t = random.nextInt(5) == 0
          ? plain.tokenize(picture(List.of(SceneText.description(scene))), plainTok, ImageMarkup.BARE)
          : vicuna.tokenize(picture(SceneText.questions(scene, random)), vicunaTok, ImageMarkup.BARE);
      return inPlaceOfImage(t, cells);
    }

    private static LlavaSample picture(List<SceneText.QA> qas) {
      return new LlavaSample("text", "scene.png", SyntheticWorld.conversation(qas), Map.of());
    }
  }

  /** Each batch is {@code batchSize} fresh texts, right-padded with id 0 (no label, so never learned). */
  private static Iterator<SupervisedBatch> batches(Texts texts, Random random, int batchSize) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public SupervisedBatch next() {
        return SupervisedBatch.of(java.util.stream.Stream.generate(() -> texts.next(random)).limit(batchSize)
            .toList());
      }
    };
  }
}
