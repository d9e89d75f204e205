package io.lntune.tools.demo;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.TokenizedConversation;
import io.lntune.training.data.Turn;
import io.lntune.training.listener.ProgressBarListener;
import io.lntune.training.loop.LossOutput;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.Scene;
import io.lntune.training.synth.SceneText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.List;
import java.util.Random;

/**
 * Pretrains the tiny LLaMA as a language model on the synthetic world's kind of text: captions and conversations
 * in the chat template about freshly drawn scenes, each scene written as its nine {@link CellWords}. It learns to
 * describe and answer from a scene given as words laid out like the picture's patches. Only what follows from the
 * scene is supervised (answers and captions, not the random cell words), and every text has a new scene: trained
 * on the world's 1,600 pictures with every token supervised, it remembered those scenes and answered colour and
 * place questions about new ones at 63% and 39%; this way it reads them (74% and 51%, 98% on counts).
 */
final class TextPretraining {
  private TextPretraining() {}

  /**
   * {@return {@code given} then {@code supervised}, only the latter labelled: what follows from the scene (a
   * caption), never the scene's own cell words, which are given}
   */
  static TokenizedConversation captioned(int[] given, int[] supervised) {
    int[] ids = Arrays.copyOf(given, given.length + supervised.length);
    System.arraycopy(supervised, 0, ids, given.length, supervised.length);
    int[] labels = ids.clone();
    Arrays.fill(labels, 0, given.length, (int) CausalLmLoss.IGNORE_INDEX);
    return new TokenizedConversation("caption", ids, labels, 0);
  }

  static io.lntune.training.loop.TrainingRun run(LlamaModel model, Tokenizer tok, int steps, int batchSize,
      long seed) {
    TrainableParameters t = TrainableParameters.select(model, Selection.of(Strategy.FULL), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e-3, 0.0, t.all());
    TrainerConfig config = new TrainerConfig(steps, 1, 1.0, LrSchedule.cosine(LrSchedule.Warmup.ratio(0.05)),
        NanPolicy.STOP, 0, 0, null);
    Random random = new Random(seed);
    Texts texts = new Texts(tok);
    io.lntune.training.loop.TrainingRun result = new Trainer<Batch>(t, adam, b -> {
      CausalLmLoss.Result r = CausalLmLoss.of(model.forward(b.inputIds()), b.labels());
      return new LossOutput(r.sum(), r.tokens());
    }, config, null, List.of(ProgressBarListener.console()))
        .run(from -> batches(() -> texts.next(random), batchSize));
    model.eval();
    return result;
  }

  /**
   * Texts about freshly drawn scenes, each scene written as its nine cell words: a fifth are captions as stage 1
   * shows them (LLaVA's plain template: the picture, then the caption), the rest conversations in the vicuna_v1
   * template. The language model learns to use a scene given in words, which the connector later learns to feed it
   * from the picture itself (stage 1), as LLaVA relies on an LLM that reasons over text. A new scene every time
   * makes it learn to read the scene rather than remember the world's pictures.
   */
  private static final class Texts {
    private final Tokenizer tok;
    private final Tokenizer padded;
    private final ConversationTemplate template = ConversationTemplate.forName("vicuna_v1");

    Texts(Tokenizer tok) {
      this.tok = tok;
      this.padded = tok.withPadToken(template.padToken());
    }

    TokenizedConversation next(Random random) {
      Scene scene = Scene.random(random);
      String caption = SceneText.caption(scene);
      String cells = CellWords.of(caption);
      if (random.nextInt(5) == 0) {
        return captioned(tok.encodeForModel(cells), tok.encode(" " + caption + "\n"));
      }
      List<Turn> turns = new ArrayList<>();
      for (SceneText.QA qa : SceneText.questions(scene, random)) {
        turns.add(new Turn(Turn.HUMAN, (turns.isEmpty() ? cells + "\n" : "") + qa.question()));
        turns.add(new Turn(Turn.GPT, qa.answer()));
      }
      return template.tokenize(new LlavaSample("text", null, turns, Map.of()), padded);
    }
  }

  /** Each batch is {@code batchSize} fresh texts, right-padded with id 0 (no label, so never learned). */
  private static Iterator<Batch> batches(java.util.function.Supplier<TokenizedConversation> texts, int batchSize) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Batch next() {
        return Batch.ofTokens(java.util.stream.Stream.generate(texts).limit(batchSize).toList(), 0);
      }
    };
  }
}
