package io.lntune.tools;

import io.lntune.LayerNormTuner;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.checkpoint.TrainingCheckpoints;
import io.lntune.training.data.Subset;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.listener.LoggingListener;
import io.lntune.training.listener.ProgressBarListener;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Strategy;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune train}: {@link LayerNormTuner} from the command line. Each option maps onto one
 * builder setter ({@link #SETTERS}); {@code --config FILE.json} supplies options as a JSON object
 * ({@code {"lr": 0.01, "strategy": "LAYERNORM"}}), and options on the command line override it.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Finetune a LLaVA model on LLaVA-format data with a tuning strategy (default LAYERNORM), writing "
          + "checkpoints, metrics.jsonl, run.json and the exports (trainable.safetensors, a PEFT adapter, a merged "
          + "checkpoint if asked for) to --output.",
      "A run whose --output already holds checkpoints resumes from the last one."
    })
final class TrainCommand implements Callable<Integer> {
  /** The builder setter behind each option (the test keeps the two in step). */
  static final Map<String, String> SETTERS =
      Map.ofEntries(
          Map.entry("--model", "model"),
          Map.entry("--tokenizer", "tokenizer"),
          Map.entry("--data", "trainData"),
          Map.entry("--strategy", "strategy"),
          Map.entry("--lora-r", "lora"),
          Map.entry("--template", "template"),
          Map.entry("--lr", "learningRate"),
          Map.entry("--connector-lr", "connectorLearningRate"),
          Map.entry("--weight-decay", "weightDecay"),
          Map.entry("--schedule", "schedule"),
          Map.entry("--batch-size", "batchSize"),
          Map.entry("--grad-accum", "gradientAccumulation"),
          Map.entry("--max-steps", "maxSteps"),
          Map.entry("--max-grad-norm", "maxGradNorm"),
          Map.entry("--seed", "seed"),
          Map.entry("--output", "outputDir"),
          Map.entry("--checkpoint-every", "checkpointEvery"),
          Map.entry("--nan-policy", "nanPolicy"),
          Map.entry("--workers", "workers"),
          Map.entry("--base-model-name", "baseModelName"),
          Map.entry("--export-merged", "exportMerged"),
          Map.entry("--export-format", "exportFormat"),
          Map.entry("--export-dtype", "exportDtype"),
          Map.entry("--recompute-activations", "activationRecomputation"),
          Map.entry("--resume-anyway", "resumeAnyway"),
          Map.entry("--keep-checkpoints", "keepCheckpoints"),
          Map.entry("--gradient-stats-every", "gradientStatsEvery"),
          Map.entry("--subset", "subset"),
          Map.entry("--distributed-timeout", "distributedFromEnvironment"));

  /** Builder setters that take Java objects and have no option. */
  static final List<String> API_ONLY =
      List.of("selection", "imageTransform", "listener", "evaluation", "distributed");

  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE.json",
      description = "Options as a JSON object; flags override it.")
  Path config;

  @Option(
      names = "--model",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "DIR|ID",
      description = "LLaVA model directory, or model id in the Hugging Face cache.")
  Path model;

  @Option(
      names = "--vision-tower",
      converter = ModelPathConverter.class,
      paramLabel = "DIR|ID",
      description = LlavaOptions.VISION_TOWER_HELP)
  Path visionTower;

  @Mixin PlacementOptions placementOptions;

  @Option(
      names = "--tokenizer",
      converter = ModelPathConverter.class,
      paramLabel = "FILE|DIR|ID",
      description = "Tokenizer (default: the model directory).")
  Path tokenizer;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "FILE.json",
      description = "LLaVA JSON training data.")
  Path data;

  @Option(
      names = "--subset",
      paramLabel = "SPEC",
      description =
          "Train on a subset drawn with --seed: N (at random), type:N, or type:N,type:N (types: a "
              + "sample's \"type\" or \"source\" field, else its file's name: conversation_58k.json gives conversation; "
              + "detail, complex_reasoning). Default: ${DEFAULT-VALUE}.")
  String subset = RunDefaults.SUBSET.toString();

  @Option(
      names = "--image-root",
      paramLabel = "DIR",
      description = "Image folder (default: the data file's folder).")
  Path imageRoot;

  @Option(
      names = "--strategy",
      description =
          "LAYERNORM, LAYERNORM_SIMPLE, LORA, "
              + "ATTN_QV, ATTN_MLP, FULL or CONNECTOR_ONLY. Default: ${DEFAULT-VALUE}.")
  String strategy = RunDefaults.STRATEGY.name();

  @Option(names = "--lora-r", description = "LoRA rank. Default: ${DEFAULT-VALUE}.")
  int loraR = RunDefaults.LORA.r();

  @Option(names = "--lora-alpha", description = "LoRA alpha. Default: ${DEFAULT-VALUE}.")
  double loraAlpha = RunDefaults.LORA.alpha();

  @Option(names = "--lora-dropout", description = "Default: ${DEFAULT-VALUE}.")
  double loraDropout = RunDefaults.LORA.dropout();

  @Option(
      names = "--template",
      description =
          "Conversation template (default: plain for CONNECTOR_ONLY, else " + "vicuna_v1).")
  String template;

  @Option(names = "--lr", description = "Peak learning rate (default: the strategy's).")
  Double lr;

  @Option(names = "--connector-lr", description = "The connector's learning rate (default: --lr).")
  Double connectorLr;

  @Option(names = "--weight-decay", description = "Default: ${DEFAULT-VALUE}.")
  double weightDecay = RunDefaults.WEIGHT_DECAY;

  @Option(
      names = "--schedule",
      description = "cosine, linear or constant. Default: ${DEFAULT-VALUE}.")
  String schedule = RunDefaults.SCHEDULE;

  @Option(names = "--warmup-ratio", description = "Default: ${DEFAULT-VALUE}.")
  double warmupRatio = RunDefaults.WARMUP_RATIO;

  @Option(names = "--batch-size", description = "Default: ${DEFAULT-VALUE}.")
  int batchSize = RunDefaults.BATCH_SIZE;

  @Option(names = "--grad-accum", description = "Default: ${DEFAULT-VALUE}.")
  int gradAccum = RunDefaults.GRADIENT_ACCUMULATION;

  @Option(names = "--max-steps", description = "Optimizer steps (default: one epoch).")
  Long maxSteps;

  @Option(names = "--max-grad-norm", description = "Default: ${DEFAULT-VALUE}.")
  double maxGradNorm = RunDefaults.MAX_GRAD_NORM;

  @Option(names = "--seed", description = "Default: ${DEFAULT-VALUE}.")
  long seed = RunDefaults.SEED;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "Output directory.")
  Path output;

  @Option(
      names = "--checkpoint-every",
      description =
          "Steps between checkpoints (0: at the end only). " + "Default: ${DEFAULT-VALUE}.")
  long checkpointEvery = RunDefaults.CHECKPOINT_EVERY;

  @Option(names = "--nan-policy", description = "STOP or SKIP. Default: ${DEFAULT-VALUE}.")
  NanPolicy nanPolicy = RunDefaults.NAN_POLICY;

  @Option(names = "--workers", description = "Data worker threads. Default: ${DEFAULT-VALUE}.")
  int workers = RunDefaults.WORKERS;

  @Option(
      names = "--base-model-name",
      description = "Recorded in the exports (default: the model directory).")
  String baseModelName;

  @Option(
      names = "--export-merged",
      description =
          "Also write a merged checkpoint, complete with the training folded "
              + "in, in the layout of --export-format.")
  boolean exportMerged;

  @Option(
      names = "--export-format",
      paramLabel = "original|llava-hf",
      description =
          "The merged checkpoint's layout "
              + "(implies --export-merged): original, for LLaVA's load_pretrained_model (OUTPUT/llava-merged), or llava-hf, "
              + "for transformers' LlavaForConditionalGeneration (OUTPUT/llava-hf-merged). Default: original.")
  String exportFormat;

  @Option(
      names = "--export-dtype",
      paramLabel = "f32|bf16|f16",
      description =
          "The dtype of every exported tensor "
              + "(default: trained tensors from their fp32 masters, the rest in the model's dtype).")
  String exportDtype;

  @Option(
      names = "--keep-checkpoints",
      paramLabel = "N",
      description = "Keep only the newest N checkpoints (0: all). " + "Default: ${DEFAULT-VALUE}.")
  int keepCheckpoints = RunDefaults.KEEP_CHECKPOINTS;

  @Option(
      names = "--gradient-stats-every",
      paramLabel = "K",
      description =
          "Every K steps, record the gradient norm and the variance of the gradient across the "
              + "step's micro-batches (needs --grad-accum 2 or more), per optimizer group, "
              + "in metrics.jsonl, for lntune analyze gradients (0: never). Default: ${DEFAULT-VALUE}.")
  long gradientStatsEvery = RunDefaults.GRADIENT_STATS_EVERY;

  @Option(
      names = "--resume-anyway",
      description =
          "Resume from --output's last checkpoint even if it was trained with "
              + "other settings (data, rates, batch, steps, seed, model); without it such a rerun is refused.")
  boolean resumeAnyway;

  @Option(
      names = "--recompute-activations",
      description =
          "Keep only each decoder layer's input in the forward and "
              + "recompute the layers in the backward: far less activation memory for about one more forward pass.")
  boolean recomputeActivations;

  @Mixin DistributedOptions distributed;

  /** The model as the command line named it: a model id stays an id, not its snapshot directory. */
  private String modelAsGiven() {
    List<String> given = spec.findOption("--model").originalStringValues();
    return given.isEmpty() ? model.toString() : given.get(given.size() - 1);
  }

  @Override
  public Integer call() {
    if (distributed.launches()) {
      return distributed.launch(spec);
    }
    Subset chosen = Subset.parse(subset); // before the model loads: a bad spec fails at once
    LlavaModel llava = LlavaOptions.loadBase(model, placementOptions.placement(), visionTower);
    LayerNormTuner.Builder b =
        builder(llava, Tokenizer.load(tokenizer != null ? tokenizer : model), chosen)
            .listener(ProgressBarListener.console())
            .listener(new LoggingListener(50));
    TuningResult r;
    try (LayerNormTuner tuner = build(b)) {
      r = tuner.fit();
    } finally {
      llava.close();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (r.losses().isEmpty()) {
      out.printf(
          "nothing left to train: %s is complete at step %d; exports rewritten%n",
          output, r.checkpoint().map(TrainingCheckpoints::step).orElse(0L));
    } else {
      out.printf(
          "trained %d steps: loss %.4f -> %.4f; %,d of %,d parameters trainable (%.4f%%)%n",
          r.losses().size(),
          r.losses().get(0),
          r.losses().get(r.losses().size() - 1),
          r.trainableParameters(),
          r.totalParameters(),
          r.trainablePercent());
    }
    r.delta().ifPresent(p -> out.println("trainable tensors: " + p));
    r.adapter().ifPresent(p -> out.println("PEFT adapter: " + p));
    r.merged().ifPresent(p -> out.println("merged checkpoint: " + p));
    return 0;
  }

  /**
   * {@return a builder with every setting the options give} Options the command line leaves out
   * pass on their defaults, which are {@link RunDefaults}'s (the test keeps them so); listeners are
   * left to the caller.
   */
  LayerNormTuner.Builder builder(LlavaModel llava, Tokenizer tok, Subset chosen) {
    Strategy s = Strategy.parse(strategy);
    LayerNormTuner.Builder b =
        LayerNormTuner.builder()
            .model(llava)
            .tokenizer(tok)
            .trainData(data, imageRoot != null ? imageRoot : data.toAbsolutePath().getParent())
            .strategy(s)
            .weightDecay(weightDecay)
            .schedule(LrSchedule.parse(schedule, LrSchedule.Warmup.ratio(warmupRatio)))
            .batchSize(batchSize)
            .gradientAccumulation(gradAccum)
            .maxGradNorm(maxGradNorm)
            .seed(seed)
            .outputDir(output)
            .checkpointEvery(checkpointEvery)
            .nanPolicy(nanPolicy)
            .workers(workers)
            .activationRecomputation(recomputeActivations)
            .resumeAnyway(resumeAnyway)
            .keepCheckpoints(keepCheckpoints)
            .gradientStatsEvery(gradientStatsEvery)
            .subset(chosen)
            .distributedFromEnvironment(distributed.timeout())
            .baseModelName(baseModelName != null ? baseModelName : modelAsGiven());
    if (s == Strategy.LORA) {
      b.lora(new LoraConfig(loraR, loraAlpha, loraDropout, RunDefaults.LORA.targets()));
    }
    if (template != null) {
      b.template(template);
    }
    if (lr != null) {
      b.learningRate(lr);
    }
    if (connectorLr != null) {
      b.connectorLearningRate(connectorLr);
    }
    if (maxSteps != null) {
      b.maxSteps(maxSteps);
    }
    if (exportMerged || exportFormat != null) {
      b.exportMerged(tokenizer != null && Files.isDirectory(tokenizer) ? tokenizer : model);
    }
    if (exportFormat != null) {
      b.exportFormat(MergedLayout.parse(exportFormat));
    }
    if (exportDtype != null) {
      b.exportDtype(DType.parse(exportDtype));
    }
    return b;
  }

  /**
   * {@return the tuner} The builder validates every setting at once, under its own names; on the
   * command line the message names the options instead ({@code batchSize} becomes {@code
   * --batch-size}).
   *
   * @throws IllegalArgumentException listing every invalid setting by its option (a usage error)
   */
  private static LayerNormTuner build(LayerNormTuner.Builder b) {
    try {
      return b.build();
    } catch (IllegalStateException e) {
      IllegalArgumentException usage = new IllegalArgumentException(optionNames(e.getMessage()));
      usage.addSuppressed(e); // in the --verbose trace, not repeated in the message
      throw usage;
    }
  }

  /** {@return {@code message} with each builder setting's name replaced by its option's} */
  static String optionNames(String message) {
    String out =
        message
            .replaceFirst("^LayerNormTuner settings: ", "invalid settings: ")
            .replaceAll("\\bimageRoot\\b", "--image-root"); // set with trainData, so not in SETTERS
    for (Map.Entry<String, String> e : SETTERS.entrySet()) {
      out = out.replaceAll("\\b" + e.getValue() + "\\b", e.getKey());
    }
    return out;
  }
}
