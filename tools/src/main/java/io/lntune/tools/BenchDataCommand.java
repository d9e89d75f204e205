package io.lntune.tools;

import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.ProjectorType;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.ResizeNormalize;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.loop.LlavaTask;
import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.OptimizerGroups;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.run.Preparation;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune bench-data}: how fast the LLaVA data pipeline delivers batches of the synthetic
 * world.
 */
@Command(
    name = "bench-data",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the data pipeline: generate a synthetic world, then time one pass of the loader over its "
          + "stage-2 conversations (JSON read, template, tokenizer, PNG decode, resize, batching into tensors).",
      "Then train a tiny LLaVA on the same batches and compare: the pipeline should outrun the training loop."
    })
final class BenchDataCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--tokenizer",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "FILE|DIR|ID",
      description = "A tokenizer.model, a directory, or a model id in the Hugging Face cache.")
  Path tokenizer;

  @Option(
      names = "--images",
      defaultValue = "512",
      description = "Pictures to generate. Default: ${DEFAULT-VALUE}.")
  int images;

  @Option(names = "--batch-size", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--workers", defaultValue = "2", description = "Default: ${DEFAULT-VALUE}.")
  int workers;

  @Option(
      names = "--image-size",
      defaultValue = "224",
      description = "Pixels per side after the transform. Default: ${DEFAULT-VALUE}.")
  int imageSize;

  @Option(
      names = "--training-steps",
      defaultValue = "20",
      description =
          "Steps of a tiny LLaVA trained on the batches, to compare with (0: skip). Default: ${DEFAULT-VALUE}.")
  int trainingSteps;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("lntune-bench-data");
    SyntheticWorld.Summary world = new SyntheticWorld(images, 1, 64, 0).generate(dir);
    ConversationTemplate template = ConversationTemplate.forName("vicuna_v1");
    Tokenizer tok = Tokenizer.load(tokenizer).withPadToken(template.padToken());
    DataStats stats = new DataStats();
    try {
      run(out, dir, world, template, tok, stats);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return 0;
  }

  private DataLoader loader(
      Path dir,
      SyntheticWorld.Summary world,
      ConversationTemplate template,
      Tokenizer tok,
      DataStats stats,
      long seed,
      LlavaDataset data) {
    return DataLoader.builder()
        .dataset(data)
        .tokenizer(tok)
        .template(template)
        .imageRoot(ImageRoot.of(dir))
        .imageTransform(ResizeNormalize.unit(imageSize))
        .batchSize(batchSize)
        .workers(workers)
        .ordering(DataLoaderBuilder.Ordering.SHUFFLED)
        .seed(seed)
        .build();
  }

  private void run(
      PrintWriter out,
      Path dir,
      SyntheticWorld.Summary world,
      ConversationTemplate template,
      Tokenizer tok,
      DataStats stats) {
    double batchesPerSecond = 0;
    int batchesPerPass = 0;
    for (int pass = 0; pass < 2; pass++) { // the first pass warms up the JIT and the file cache
      long start = System.nanoTime();
      int batches = 0;
      try (LlavaDataset data =
              LlavaDataset.open(world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, stats);
          DataLoader loader = loader(dir, world, template, tok, stats, pass, data)) {
        while (loader.hasNext()) {
          try (Batch b = loader.next()) {
            batches++;
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      batchesPerSecond = batches / seconds;
      batchesPerPass = batches;
      out.printf(
          "%s: %d batches of %d in %.2f s: %.1f batches/s, %.0f samples/s (%d workers, %dpx images)%n",
          pass == 0 ? "warm-up" : "measured",
          batches,
          batchSize,
          seconds,
          batchesPerSecond,
          images / seconds,
          workers,
          imageSize);
    }
    if (trainingSteps > 0) {
      double stepsPerSecond =
          training(out, dir, world, template, tok, stats, Math.min(trainingSteps, batchesPerPass));
      out.printf(
          "pipeline / training: %.1f batches/s against %.1f steps/s: the pipeline is %.1fx as fast as the "
              + "tiny-model training loop consumes batches%n",
          batchesPerSecond, stepsPerSecond, batchesPerSecond / stepsPerSecond);
    }
  }

  /**
   * Trains a tiny LLaVA (LAYERNORM, the tiny LLaMA and CLIP shapes, the tokenizer's vocabulary) on
   * the pipeline's batches and {@return its steps per second}, counting the time it waits for data
   * separately.
   */
  private double training(
      PrintWriter out,
      Path dir,
      SyntheticWorld.Summary world,
      ConversationTemplate template,
      Tokenizer tok,
      DataStats stats,
      int steps) {
    LlamaConfig t = LlamaConfigs.tiny();
    LlamaConfig text =
        new LlamaConfig(
            t.hiddenSize(),
            t.intermediateSize(),
            t.numHiddenLayers(),
            t.numAttentionHeads(),
            t.numKeyValueHeads(),
            t.rmsNormEps(),
            t.ropeTheta(),
            t.ropeLinearFactor(),
            tok.vocabSize(),
            4096,
            false,
            1,
            List.of(2L),
            tok.specialTokens().pad(),
            t.torchDtype());
    ClipVisionConfig vision =
        ClipVisionConfig.builder()
            .hiddenSize(32)
            .intermediateSize(64)
            .numHiddenLayers(2)
            .numAttentionHeads(4)
            .imageSize(imageSize)
            .patchSize(imageSize / 4)
            .build();
    LlavaConfig config =
        new LlavaConfig(
            text,
            vision,
            ProjectorType.mlpGelu(2),
            FeatureSelection.llava(),
            LlavaConfig.IMAGE_TOKEN_INDEX,
            false,
            "square",
            4096,
            Optional.empty());
    LlavaModel model = new LlavaModel(config, Placement.cpu(DType.F32));
    Init.normal(model, 0.02, 1);
    Selection selection = Selection.of(Strategy.LAYERNORM);
    TrainableParameters trainables =
        Preparation.trainables(model, selection, Optional.empty(), RunDefaults.SEED);
    double lr = RunDefaults.learningRate(selection);
    AdamW adam = OptimizerGroups.adamW(trainables, lr, lr, RunDefaults.WEIGHT_DECAY);
    double[] waitMillis = {0};
    TrainingListener waits =
        new TrainingListener() {
          @Override
          public void onStep(StepMetrics m) {
            waitMillis[0] +=
                m.dataMillis(); // the trainer's own measure: hasNext and next, where the loader
            // waits
          }
        };
    try (LlavaDataset data =
            LlavaDataset.open(world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, stats);
        DataLoader loader = loader(dir, world, template, tok, stats, 7, data)) {
      TrainerConfig run = RunDefaults.trainer(steps, RunDefaults.schedule());
      long start = System.nanoTime();
      new Trainer<>(trainables, adam, new LlavaTask(model), run, null, List.of(waits))
          .run(from -> loader);
      double seconds = (System.nanoTime() - start) / 1e9;
      double computeSeconds = seconds - waitMillis[0] / 1e3;
      out.printf(
          "training: %d LAYERNORM steps of a tiny LLaVA (%,d parameters) in %.2f s, %.2f s of it waiting "
              + "for data: %.1f steps/s of compute%n",
          steps, trainables.totalCount(), seconds, waitMillis[0] / 1e3, steps / computeSeconds);
      return steps / computeSeconds;
    } finally {
      model.close();
    }
  }
}
