package example;

import io.lntune.LayerNormTuner;
import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.SentencePieceModelWriter;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.Torch;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.LlavaText;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.data.Turn;
import io.lntune.training.eval.LlavaAnswerer;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * lntune end to end, as an application uses it: generate a small world of coloured shapes (pictures and LLaVA JSON
 * conversations about them), make a tokenizer for its words, build a tiny LLaVA with random weights, train only its
 * LayerNorms, export the result as a complete checkpoint, load that back and ask it about a picture it never saw.
 *
 * <p>Prints the loss of every step and fails (exit status 1) unless the loss falls. Takes about ten seconds on two
 * CPU cores. Its only argument, optional, is the working folder (a new temporary folder if none is given).
 */
public final class TuneSyntheticWorld {
  private static final int STEPS = 30;

  private TuneSyntheticWorld() {}

  public static void main(String[] args) throws IOException {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("lntune-example");
    Device device = Torch.cudaAvailable() ? Device.cuda(0) : Device.cpu();

    // The data: 64 pictures with captions and conversations; a tenth of the pictures is held out.
    SyntheticWorld.Summary world = SyntheticWorld.of(64).generate(work.resolve("world"));

    // A SentencePiece tokenizer for the world's words and the conversation template's.
    Path tokenizerDir = Files.createDirectories(work.resolve("tokenizer"));
    String prompt = ConversationTemplate.forName("vicuna_v1").prompt(List.of(new Turn(Turn.HUMAN, "")));
    Files.write(tokenizerDir.resolve("tokenizer.model"), SentencePieceModelWriter.forCorpus(
        List.of(Files.readString(world.stage2Train()), prompt)));
    Tokenizer tokenizer = Tokenizer.load(tokenizerDir);

    // A tiny LLaVA (CLIP ViT, projector, LLaMA), random weights, one embedding row more for the template's padding.
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), new Placement(device, DType.F32));
    Init.normal(model, 0.02, 1);
    model.resizeVocabulary(tokenizer.vocabSize() + 1);

    // Train the LayerNorms only; fit() writes trainable.safetensors, adapter/ and, asked to, a merged checkpoint.
    Path run = work.resolve("run");
    TuningResult result;
    try (LayerNormTuner tuner = LayerNormTuner.builder()
        .model(model)
        .tokenizer(tokenizer)
        .trainData(world.stage2Train(), world.imageRoot())
        .strategy(Strategy.LAYERNORM)
        .batchSize(8)
        .maxSteps(STEPS)
        .learningRate(3e-2)
        .outputDir(run)
        .exportMerged(tokenizerDir)
        .build()) {
      result = tuner.fit();
    }
    model.close();

    List<Double> losses = result.losses();
    for (int i = 0; i < losses.size(); i++) {
      System.out.printf("step %2d  loss %.4f%n", i + 1, losses.get(i));
    }
    double first = mean(losses.subList(0, 3));
    double last = mean(losses.subList(losses.size() - 3, losses.size()));
    System.out.printf("loss %.3f -> %.3f (mean of the first and last three steps), %.2f%% of %,d parameters "
        + "trained, on %s%n", first, last, result.trainablePercent(), result.totalParameters(), device);

    // The export is a complete LLaVA checkpoint: load it as any other and ask about a held-out picture.
    Path merged = result.merged().orElseThrow(); // llava-merged/ in the output directory
    try (LlavaModel reloaded = LlavaModel.load(merged, new Placement(device, DType.F32));
        LlavaDataset held = LlavaDataset.open(world.stage2Eval(), SampleFilter.all(), BadRowPolicy.FAIL,
            new DataStats())) {
      LlavaSample sample = held.sample(0);
      String question = sample.conversations().get(0).value().replace(LlavaText.IMAGE, "").strip();
      LlavaAnswerer answerer = new LlavaAnswerer(reloaded, Tokenizer.load(merged),
          ConversationTemplate.forName("vicuna_v1"), GenerationConfig.greedy(16));
      String answer = answerer.answer(List.of(LlavaAnswerer.Question.about(
          world.imageRoot().resolve(sample.image().orElseThrow()), question))).get(0);
      System.out.printf("Q: %s%nA: %s%n(expected: %s)%n", question, answer, sample.conversations().get(1).value());
    }

    if (!(last < first)) {
      throw new IllegalStateException("the loss did not fall: " + first + " -> " + last);
    }
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }
}
