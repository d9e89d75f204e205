package io.lntune.tools.demo;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.data.Turn;
import io.lntune.training.loop.LossOutput;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * Pretrains the tiny LLaMA as a language model on the synthetic world's own text: captions and conversations in
 * the chat template, each picture written as its nine {@link CellWords}. It learns to describe and answer from a
 * scene given as words laid out like the picture's patches.
 */
final class TextPretraining {
  private TextPretraining() {}

  record Batch(Tensor ids, Tensor labels) implements AutoCloseable {
    @Override
    public void close() {
      ids.close();
      labels.close();
    }
  }

  static io.lntune.training.loop.TrainingRun run(LlamaModel model, Tokenizer tok, Path captions, Path conversations,
      int steps, int batchSize, long seed) {
    Map<String, String> captionText = new HashMap<>();
    Map<String, String> captionOf = captions(captions, captionText);
    // Captions as stage 1 shows them (LLaVA's plain template: the picture, then the caption), and as an answer.
    List<int[]> texts = new ArrayList<>(texts(tok, captions, captionOf));
    captionOf.forEach((image, cells) -> texts.add(tok.encodeForModel(cells + " " + captionText.get(image) + "\n")));
    texts.addAll(texts(tok, conversations, captionOf));
    TrainableParameters t = TrainableParameters.select(model, Selection.of(Strategy.FULL), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 3e-3, 0.0, t.all());
    TrainerConfig config = new TrainerConfig(steps, 1, 1.0, LrSchedule.cosine(LrSchedule.Warmup.ratio(0.05)),
        NanPolicy.STOP, 0, 0, null);
    Random random = new Random(seed);
    io.lntune.training.loop.TrainingRun result = new Trainer<Batch>(t, adam, b -> {
      CausalLmLoss.Result r = CausalLmLoss.of(model.forward(b.ids()), b.labels());
      return new LossOutput(r.sum(), r.tokens());
    }, config, null, List.of()).run(from -> batches(texts, random, batchSize));
    model.eval();
    return result;
  }

  /** {@return each picture as its nine cell words, by image path; fills {@code text} with the captions} */
  private static Map<String, String> captions(Path captions, Map<String, String> text) {
    Map<String, String> out = new HashMap<>();
    try (LlavaDataset data = LlavaDataset.open(captions, SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      for (int i = 0; i < data.size(); i++) {
        LlavaSample s = data.sample(i);
        text.put(s.image(), s.conversations().get(1).value());
        out.put(s.image(), CellWords.of(text.get(s.image())));
      }
    }
    return out;
  }

  /**
   * Each conversation rendered in the vicuna_v1 template, its picture replaced by the picture's cell words: the
   * language model learns to use a scene given in words, which the connector later learns to feed it from the
   * picture itself (stage 1), as LLaVA relies on an LLM that reasons over text.
   */
  private static List<int[]> texts(Tokenizer tok, Path conversations, Map<String, String> captionOf) {
    ConversationTemplate template = ConversationTemplate.forName("vicuna_v1");
    Tokenizer padded = tok.withPadToken(template.padToken());
    List<int[]> out = new ArrayList<>();
    try (LlavaDataset data = LlavaDataset.open(conversations, SampleFilter.all(), BadRowPolicy.FAIL,
        new DataStats())) {
      for (int i = 0; i < data.size(); i++) {
        LlavaSample s = data.sample(i);
        List<Turn> turns = s.conversations().stream()
            .map(turn -> new Turn(turn.from(), turn.value().replace("<image>\n",
                captionOf.containsKey(s.image()) ? captionOf.get(s.image()) + "\n" : ""))).toList();
        out.add(template.tokenize(new LlavaSample(s.id(), null, turns, s.fields()), padded).inputIds());
      }
    }
    return out;
  }

  private static Iterator<Batch> batches(List<int[]> texts, Random random, int batchSize) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Batch next() {
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
          rows.add(texts.get(random.nextInt(texts.size())));
        }
        int length = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
        long[] ids = new long[batchSize * length];
        long[] labels = new long[batchSize * length];
        Arrays.fill(labels, CausalLmLoss.IGNORE_INDEX);
        for (int b = 0; b < batchSize; b++) {
          for (int j = 0; j < rows.get(b).length; j++) {
            ids[b * length + j] = rows.get(b)[j];
            labels[b * length + j] = rows.get(b)[j];
          }
        }
        return new Batch(Tensor.create(ids, batchSize, length), Tensor.create(labels, batchSize, length));
      }
    };
  }
}
