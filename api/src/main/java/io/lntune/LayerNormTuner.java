package io.lntune;

import static java.util.Objects.requireNonNullElse;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.LntuneException;
import io.lntune.training.data.ClipTransform;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.SampleType;
import io.lntune.training.data.Subset;
import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.distributed.TorchrunEnvironment;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.export.TrainableDelta;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainingDivergedException;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.run.FinetuningRun;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.run.RunSettings;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finetunes a LLaVA model by training only what a {@link Strategy} selects (by default the
 * LayerNorms in the attention blocks, the paper's method), on LLaVA-format data, and exports the
 * result.
 *
 * <pre>{@code
 * LlavaModel model = LlavaModel.load(Path.of("/models/llava-v1-llama2-7b"), Placement.cpu(DType.BF16));
 * try (LayerNormTuner tuner = LayerNormTuner.builder()
 *     .model(model)
 *     .tokenizer(Tokenizer.load(Path.of("/models/llava-v1-llama2-7b")))
 *     .trainData(Path.of("data/llava_instruct_80k.json"), Path.of("data/coco/train2017"))
 *     .strategy(Strategy.LAYERNORM)                 // if not set: LAYERNORM
 *     .batchSize(4).gradientAccumulation(8)
 *     .outputDir(Path.of("runs/ln-01"))
 *     .build()) {                                  // validates everything once
 *   TuningResult r = tuner.fit();                  // resumes from runs/ln-01's last checkpoint, if any
 *   System.out.println(r.losses() + " " + r.trainablePercent() + "%");
 * }
 * }</pre>
 *
 * <p>The builder collects and checks the settings ({@link RunSettings}, each default from {@link
 * RunDefaults}); {@link #fit()} hands them to a {@link FinetuningRun}, which does the work.
 *
 * <p>Stage 1 (connector pretraining) is a run with {@code strategy(Strategy.CONNECTOR_ONLY)}, the
 * {@code plain} template and caption data; stage 2 is a second tuner on the same model object (or a
 * fresh model given stage 1's {@code trainable.safetensors} through {@link TrainableDelta#apply}).
 * Not thread-safe; builders are single-use.
 *
 * @since 0.1.0
 */
public final class LayerNormTuner implements AutoCloseable {
  private final RunSettings settings;
  private boolean closed;

  private LayerNormTuner(RunSettings settings) {
    this.settings = settings;
  }

  /**
   * Starts configuring a tuner.
   *
   * @return a new builder, with nothing set
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The settings this tuner runs with.
   *
   * @return the validated settings, every default filled in
   */
  public RunSettings settings() {
    return settings;
  }

  /**
   * Trains to {@code maxSteps} (resuming from the output directory's last checkpoint, if any), then
   * writes the exports when there is an output directory: {@code trainable.safetensors} (the
   * trained tensors), {@code adapter/} (a PEFT adapter, for strategies that have one) and, when
   * asked for, the merged checkpoint. The {@link FinetuningRun} does the work.
   *
   * <p>Blocks until done. Runs on the model's device; the model is left in evaluation mode with the
   * trained weights.
   *
   * @return the losses, the trained share of the model and the paths written
   * @throws TrainingDivergedException if the loss is not finite and the NaN policy is STOP
   * @throws LntuneException if the output directory's last checkpoint was trained with other
   *     settings and {@link Builder#resumeAnyway} was not set
   * @throws UncheckedIOException if the data or an output cannot be read or written (samples whose
   *     image or text is bad are skipped and counted, not fatal)
   * @throws IllegalStateException if this tuner is closed, or the data yields no batch
   */
  public TuningResult fit() {
    if (closed) {
      throw new IllegalStateException("tuner is closed");
    }
    return new FinetuningRun(settings).fit();
  }

  /**
   * Releases nothing native (the model belongs to the caller); later calls to {@link #fit()} fail.
   */
  @Override
  public void close() {
    closed = true;
  }

  /**
   * Configures a {@link LayerNormTuner}. Each setting may be set once; {@link #build()} checks them
   * all together. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private static final List<DType> EXPORT_DTYPES = List.of(DType.F32, DType.BF16, DType.F16);

    private LlavaModel model;
    private Tokenizer tokenizer;
    private Path trainData;
    private Path imageRoot;
    private Subset subset;
    private Strategy strategy;
    private Selection selection;
    private LoraConfig lora;
    private String template;
    private Double learningRate;
    private Double connectorLearningRate;
    private Double weightDecay;
    private LrSchedule schedule;
    private Integer batchSize;
    private Integer gradientAccumulation;
    private Long maxSteps;
    private Double maxGradNorm;
    private Long seed;
    private Path outputDir;
    private Long checkpointEvery;
    private NanPolicy nanPolicy;
    private ImageTransform imageTransform;
    private Integer workers;
    private String baseModelName;
    private Long evaluateEvery;
    private Trainer.Evaluation evaluation;
    private Path exportMerged;
    private MergedLayout exportFormat;
    private DType exportDtype;
    private Boolean activationRecomputation;
    private Integer keepCheckpoints;
    private Long gradientStatsEvery;
    private Boolean resumeAnyway;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private DistributedSettings distributed;

    private Builder() {}

    /**
     * The model to train (required). It stays the caller's: the tuner changes its trainable tensors
     * in place, and closing the tuner does not close it.
     *
     * @param model a LLaVA model, loaded or built, on the device and in the dtype to train in
     * @return this builder
     * @throws NullPointerException if {@code model} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder model(LlavaModel model) {
      this.model = once("model", this.model, model);
      return this;
    }

    /**
     * The model's tokenizer (required). Tokens the template or the model's image markup need
     * ({@code [PAD]} for v0, {@code <im_start>}/{@code <im_end>}) are added when it lacks them, and
     * the model's vocabulary grows to match; a tokenizer larger than the model's vocabulary to
     * begin with is refused when {@link LayerNormTuner#fit()} starts.
     *
     * @param tokenizer the tokenizer, usually {@code Tokenizer.load(modelDir)}
     * @return this builder
     * @throws NullPointerException if {@code tokenizer} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = once("tokenizer", this.tokenizer, tokenizer);
      return this;
    }

    /**
     * LLaVA JSON training data and the folder its image paths resolve under (required). {@link
     * #build()} checks that the file and the folder exist.
     *
     * @param json a LLaVA JSON file: an array of {@code {"id", "image", "conversations"}} objects
     * @param imageRoot the folder each sample's {@code image} path is relative to
     * @return this builder
     * @throws NullPointerException if {@code json} or {@code imageRoot} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder trainData(Path json, Path imageRoot) {
      this.trainData = once("trainData", this.trainData, json);
      this.imageRoot = once("imageRoot", this.imageRoot, imageRoot);
      return this;
    }

    /**
     * Makes the run one rank of a data-parallel job (libtorch's c10d: Gloo on the CPU, NCCL on
     * CUDA, unless the settings name the backend): every rank runs the same settings on the same
     * model, reads its share of each batch, and steps as one process with the whole batch would;
     * rank 0 writes the checkpoints, metrics, exports and {@code run.json}. {@code batchSize} is
     * per rank. On CUDA each rank's model must be on its own GPU, {@code cuda:LOCAL_RANK} ({@link
     * TorchrunEnvironment#placeOn}). If not set: one process.
     *
     * @param distributed the rank, the rendezvous and how long ranks wait for each other
     * @return this builder
     * @throws NullPointerException if {@code distributed} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder distributed(DistributedSettings distributed) {
      this.distributed = once("distributed", this.distributed, distributed);
      return this;
    }

    /**
     * {@link #distributed} from a {@code torchrun}-style environment ({@code RANK}, {@code
     * WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR}, {@code
     * MASTER_PORT}) when this process has one; nothing when none of them is set.
     *
     * @param timeout how long ranks wait for each other
     * @return this builder
     * @throws IllegalArgumentException if the environment sets some of the variables but not all,
     *     or a value is not valid
     * @throws IllegalStateException if {@link #distributed} was already set
     */
    public Builder distributedFromEnvironment(Duration timeout) {
      DistributedSettings.fromEnvironment(System.getenv(), timeout).ifPresent(this::distributed);
      return this;
    }

    /**
     * Trains on a seeded subset of the data: {@code N} samples at random or {@code N} of each named
     * type (the paper's data-type ablation; see {@link Subset} and, for how a sample's type is
     * found, {@link SampleType}). The draw uses {@link #seed}. If not set: all the data.
     *
     * @param subset the subset, e.g. {@code Subset.parse("conversation:20000")}
     * @return this builder
     * @throws NullPointerException if {@code subset} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder subset(Subset subset) {
      this.subset = once("subset", this.subset, subset);
      return this;
    }

    /**
     * What to train. If not set: {@link RunDefaults#STRATEGY}. Conflicts with {@link #selection}.
     *
     * @param strategy the strategy
     * @return this builder
     * @throws NullPointerException if {@code strategy} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder strategy(Strategy strategy) {
      this.strategy = once("strategy", this.strategy, strategy);
      return this;
    }

    /**
     * What to train, as a selection with options or a custom predicate, instead of {@link
     * #strategy}.
     *
     * @param selection the selection
     * @return this builder
     * @throws NullPointerException if {@code selection} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder selection(Selection selection) {
      this.selection = once("selection", this.selection, selection);
      return this;
    }

    /**
     * LoRA settings, only with {@link Strategy#LORA}. If not set: {@link RunDefaults#LORA}.
     *
     * @param lora the LoRA rank, scale, dropout and target modules
     * @return this builder
     * @throws NullPointerException if {@code lora} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder lora(LoraConfig lora) {
      this.lora = once("lora", this.lora, lora);
      return this;
    }

    /**
     * The conversation template. If not set: {@link RunDefaults#template}. {@link #build()} rejects
     * an unknown name.
     *
     * @param name the template's name: {@code plain}, {@code vicuna_v1}, {@code llava_v1}, {@code
     *     llama_2} or {@code v0}
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder template(String name) {
      this.template = once("template", this.template, name);
      return this;
    }

    /**
     * Peak learning rate. If not set: the strategy's own ({@link RunDefaults#learningRate}).
     *
     * @param lr the peak learning rate, greater than 0
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder learningRate(double lr) {
      this.learningRate = once("learningRate", this.learningRate, lr);
      return this;
    }

    /**
     * The connector's own peak learning rate (LLaVA's {@code mm_projector_lr}). If not set: the
     * learning rate.
     *
     * @param lr the connector's peak learning rate, greater than 0
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder connectorLearningRate(double lr) {
      this.connectorLearningRate = once("connectorLearningRate", this.connectorLearningRate, lr);
      return this;
    }

    /**
     * AdamW weight decay for matrices (never for 1-D parameters such as norm gains). If not set:
     * {@value RunDefaults#WEIGHT_DECAY}.
     *
     * @param wd the decoupled weight decay, 0 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder weightDecay(double wd) {
      this.weightDecay = once("weightDecay", this.weightDecay, wd);
      return this;
    }

    /**
     * The learning-rate schedule. If not set: {@value RunDefaults#SCHEDULE} with {@value
     * RunDefaults#WARMUP_RATIO} of the steps as warm-up ({@link RunDefaults#schedule()}, LLaVA's).
     *
     * @param schedule the schedule
     * @return this builder
     * @throws NullPointerException if {@code schedule} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder schedule(LrSchedule schedule) {
      this.schedule = once("schedule", this.schedule, schedule);
      return this;
    }

    /**
     * Samples per micro-batch. If not set: {@value RunDefaults#BATCH_SIZE}.
     *
     * @param n samples per micro-batch, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder batchSize(int n) {
      this.batchSize = once("batchSize", this.batchSize, n);
      return this;
    }

    /**
     * Micro-batches per optimizer step. If not set: {@value RunDefaults#GRADIENT_ACCUMULATION}.
     *
     * @param n micro-batches per step, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder gradientAccumulation(int n) {
      this.gradientAccumulation = once("gradientAccumulation", this.gradientAccumulation, n);
      return this;
    }

    /**
     * Optimizer steps to run. If not set: one epoch of the data.
     *
     * @param n optimizer steps, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder maxSteps(long n) {
      this.maxSteps = once("maxSteps", this.maxSteps, n);
      return this;
    }

    /**
     * Gradient clipping: the global L2 norm gradients are scaled down to. If not set: {@value
     * RunDefaults#MAX_GRAD_NORM}.
     *
     * @param norm the largest gradient norm, greater than 0 (infinity turns clipping off)
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder maxGradNorm(double norm) {
      this.maxGradNorm = once("maxGradNorm", this.maxGradNorm, norm);
      return this;
    }

    /**
     * Seed for the data order and adapter initialisation. If not set: {@value RunDefaults#SEED}.
     *
     * @param seed the seed
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder seed(long seed) {
      this.seed = once("seed", this.seed, seed);
      return this;
    }

    /**
     * Where checkpoints, {@code metrics.jsonl}, {@code run.json} and exports go; a run in a folder
     * that holds checkpoints resumes from the last. If not set: nothing is written.
     *
     * @param dir the output folder, created if missing
     * @return this builder
     * @throws NullPointerException if {@code dir} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder outputDir(Path dir) {
      this.outputDir = once("outputDir", this.outputDir, dir);
      return this;
    }

    /**
     * Checkpoint every n steps (and at the end). If not set: only at the end.
     *
     * @param n steps between checkpoints, 0 or more (0: only at the end)
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder checkpointEvery(long n) {
      this.checkpointEvery = once("checkpointEvery", this.checkpointEvery, n);
      return this;
    }

    /**
     * What a NaN or infinite loss does. If not set: {@link RunDefaults#NAN_POLICY}.
     *
     * @param policy the policy
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder nanPolicy(NanPolicy policy) {
      this.nanPolicy = once("nanPolicy", this.nanPolicy, policy);
      return this;
    }

    /**
     * Image preprocessing. If not set: CLIP's, at the model's image size (padded to a square for
     * {@code pad}).
     *
     * @param transform turns a decoded image into the model's pixel tensor
     * @return this builder
     * @throws NullPointerException if {@code transform} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder imageTransform(ImageTransform transform) {
      this.imageTransform = once("imageTransform", this.imageTransform, transform);
      return this;
    }

    /**
     * Data worker threads. If not set: {@value RunDefaults#WORKERS}.
     *
     * @param n worker threads, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder workers(int n) {
      this.workers = once("workers", this.workers, n);
      return this;
    }

    /**
     * The base model's name recorded in exports. If not set: {@value RunDefaults#BASE_MODEL_NAME}.
     *
     * @param name the name, e.g. a Hugging Face model id
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder baseModelName(String name) {
      this.baseModelName = once("baseModelName", this.baseModelName, name);
      return this;
    }

    /**
     * Calls {@code hook} every {@code every} steps; its figures go to the listeners and {@code
     * metrics.jsonl}. If not set: no evaluation.
     *
     * @param every steps between evaluations, 1 or more
     * @param hook the evaluation, given the step just completed
     * @return this builder
     * @throws NullPointerException if {@code hook} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder evaluation(long every, Trainer.Evaluation hook) {
      this.evaluateEvery = once("evaluateEvery", this.evaluateEvery, every);
      this.evaluation = once("evaluation", this.evaluation, hook);
      return this;
    }

    /**
     * Also writes a merged checkpoint, complete with everything trained folded in, in the layout
     * {@link #exportFormat} chooses ({@code llava-merged/} or {@code llava-hf-merged/} in the
     * output directory), copying the tokenizer files from {@code tokenizerFiles} (the base model's
     * directory). Needs an output directory. If not set: no merged checkpoint (the delta and the
     * adapter are always written).
     *
     * @param tokenizerFiles the folder holding the tokenizer files to copy
     * @return this builder
     * @throws NullPointerException if {@code tokenizerFiles} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder exportMerged(Path tokenizerFiles) {
      this.exportMerged = once("exportMerged", this.exportMerged, tokenizerFiles);
      return this;
    }

    /**
     * The merged checkpoint's layout: {@link MergedLayout#ORIGINAL} for LLaVA's {@code
     * load_pretrained_model}, {@link MergedLayout#LLAVA_HF} for transformers' {@code
     * LlavaForConditionalGeneration}. Needs {@link #exportMerged}. If not set: {@link
     * RunDefaults#EXPORT_FORMAT}.
     *
     * @param layout the layout of the merged checkpoint
     * @return this builder
     * @throws NullPointerException if {@code layout} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder exportFormat(MergedLayout layout) {
      this.exportFormat = once("exportFormat", this.exportFormat, layout);
      return this;
    }

    /**
     * The dtype of every exported tensor (F32, BF16 or F16). If not set: trained tensors are
     * written from their fp32 masters (what training arrived at, before rounding to the model's
     * dtype), the rest in the model's dtype.
     *
     * @param dtype the dtype of the exported tensors
     * @return this builder
     * @throws NullPointerException if {@code dtype} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder exportDtype(DType dtype) {
      this.exportDtype = once("exportDtype", this.exportDtype, dtype);
      return this;
    }

    /**
     * Recomputes each decoder layer in the backward pass instead of keeping its activations: far
     * less memory for about one more forward pass; losses and gradients are unchanged. If not set:
     * false.
     *
     * @param on whether to recompute
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder activationRecomputation(boolean on) {
      this.activationRecomputation =
          once("activationRecomputation", this.activationRecomputation, on);
      return this;
    }

    /**
     * Keeps only the newest {@code n} checkpoints, deleting older ones after each new one is
     * written (the last one is always kept). If not set: 0, every checkpoint is kept.
     *
     * @param n how many checkpoints to keep, or 0 for all
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder keepCheckpoints(int n) {
      this.keepCheckpoints = once("keepCheckpoints", this.keepCheckpoints, n);
      return this;
    }

    /**
     * Measures the gradients' statistics every {@code n} steps: per AdamW group and for all
     * trainable tensors, the norm of the step's gradient and the variance of the gradient across
     * the step's micro-batches (the paper's gradient-variance analysis; needs a {@link
     * #gradientAccumulation} of 2 or more for the variance). They go to the listeners ({@code
     * StepMetrics.gradients()}) and {@code metrics.jsonl}; {@code lntune analyze gradients} charts
     * them. A measured step holds three fp32 copies of the trainable gradients while it runs. If
     * not set: 0, never.
     *
     * @param n steps between measurements, 0 or more (0: never)
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder gradientStatsEvery(long n) {
      this.gradientStatsEvery = once("gradientStatsEvery", this.gradientStatsEvery, n);
      return this;
    }

    /**
     * Resumes from the output directory's last checkpoint even when it was trained with other
     * settings (data file, its size or time, strategy, learning rates, batch, steps, seed, model),
     * with a warning naming each difference. If not set: false, and such a rerun is refused with
     * the differences named.
     *
     * @param anyway whether to resume all the same
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder resumeAnyway(boolean anyway) {
      this.resumeAnyway = once("resumeAnyway", this.resumeAnyway, anyway);
      return this;
    }

    /**
     * Adds a listener (progress bar, logs, your own); may be called more than once, and listeners
     * are called in the order they were added.
     *
     * @param listener told of the run's start, every step, evaluations, checkpoints and the end
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder listener(TrainingListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Checks every setting at once and makes the tuner. Nothing is read or trained yet, except that
     * the data file and image folder must exist.
     *
     * @return the tuner, ready to {@link LayerNormTuner#fit()}
     * @throws IllegalStateException naming every missing, out-of-range or conflicting setting
     */
    public LayerNormTuner build() {
      List<String> problems = new ArrayList<>();
      required(problems, "model", model);
      required(problems, "tokenizer", tokenizer);
      required(problems, "trainData", trainData);
      if (strategy != null && selection != null) {
        problems.add("set either strategy or selection, not both");
      }
      Selection chosen =
          selection != null
              ? selection
              : Selection.of(strategy != null ? strategy : RunDefaults.STRATEGY);
      if (lora != null && !chosen.is(Strategy.LORA)) {
        problems.add(
            "lora is set but the strategy is "
                + chosen.strategy().map(Strategy::name).orElse("custom")
                + ", not LORA");
      }
      String chosenTemplate = template != null ? template : RunDefaults.template(chosen);
      try {
        ConversationTemplate.forName(chosenTemplate);
      } catch (IllegalArgumentException e) {
        problems.add("template: " + e.getMessage());
      }
      double lr = learningRate != null ? learningRate : RunDefaults.learningRate(chosen);
      positive(problems, "learningRate", lr);
      double connectorLr = connectorLearningRate != null ? connectorLearningRate : lr;
      positive(problems, "connectorLearningRate", connectorLr);
      double wd = requireNonNullElse(weightDecay, RunDefaults.WEIGHT_DECAY);
      if (!(wd >= 0)) {
        problems.add("weightDecay must be >= 0, got " + wd);
      }
      long every = requireNonNullElse(evaluateEvery, 0L);
      atLeast(problems, "evaluation's every", every, evaluation != null ? 1 : 0);
      if (exportMerged != null && outputDir == null) {
        problems.add("exportMerged needs an outputDir");
      }
      if (distributed != null && model != null) {
        try {
          distributed.backendFor(model.placement().device());
        } catch (IllegalArgumentException e) {
          problems.add("distributed: " + e.getMessage());
        }
      }
      if (exportFormat != null && exportMerged == null) {
        problems.add("exportFormat needs exportMerged (the tokenizer files to copy)");
      }
      if (exportDtype != null && !EXPORT_DTYPES.contains(exportDtype)) {
        problems.add("exportDtype must be one of " + EXPORT_DTYPES + ", got " + exportDtype);
      }
      int batch = requireNonNullElse(batchSize, RunDefaults.BATCH_SIZE);
      atLeast(problems, "batchSize", batch, 1);
      int accumulation =
          requireNonNullElse(gradientAccumulation, RunDefaults.GRADIENT_ACCUMULATION);
      atLeast(problems, "gradientAccumulation", accumulation, 1);
      int threads = requireNonNullElse(workers, RunDefaults.WORKERS);
      atLeast(problems, "workers", threads, 1);
      long steps = requireNonNullElse(maxSteps, RunDefaults.MAX_STEPS);
      atLeast(problems, "maxSteps", steps, maxSteps != null ? 1 : 0);
      long checkpoints = requireNonNullElse(checkpointEvery, RunDefaults.CHECKPOINT_EVERY);
      atLeast(problems, "checkpointEvery", checkpoints, 0);
      int keep = requireNonNullElse(keepCheckpoints, RunDefaults.KEEP_CHECKPOINTS);
      atLeast(problems, "keepCheckpoints", keep, 0);
      long gradientStats = requireNonNullElse(gradientStatsEvery, RunDefaults.GRADIENT_STATS_EVERY);
      atLeast(problems, "gradientStatsEvery", gradientStats, 0);
      double clip = requireNonNullElse(maxGradNorm, RunDefaults.MAX_GRAD_NORM);
      positive(problems, "maxGradNorm", clip);
      if (trainData != null && !Files.isRegularFile(trainData)) {
        problems.add("trainData " + trainData + " is not a file");
      }
      if (imageRoot != null && !Files.isDirectory(imageRoot)) {
        problems.add("imageRoot " + imageRoot + " is not a directory");
      }
      if (outputDir != null && Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
        problems.add("outputDir " + outputDir + " is a file, not a directory");
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException("LayerNormTuner settings: " + String.join("; ", problems));
      }
      return new LayerNormTuner(
          new RunSettings(
              model,
              tokenizer,
              trainData,
              imageRoot,
              chosen,
              chosen.is(Strategy.LORA)
                  ? Optional.of(requireNonNullElse(lora, RunDefaults.LORA))
                  : Optional.empty(),
              chosenTemplate,
              lr,
              connectorLr,
              wd,
              requireNonNullElse(schedule, RunDefaults.schedule()),
              batch,
              accumulation,
              steps,
              clip,
              requireNonNullElse(seed, RunDefaults.SEED),
              Optional.ofNullable(outputDir),
              checkpoints,
              keep,
              gradientStats,
              requireNonNullElse(nanPolicy, RunDefaults.NAN_POLICY),
              imageTransform != null ? imageTransform : ClipTransform.forModel(model.config()),
              threads,
              requireNonNullElse(baseModelName, RunDefaults.BASE_MODEL_NAME),
              every,
              Optional.ofNullable(evaluation),
              Optional.ofNullable(exportMerged),
              requireNonNullElse(exportFormat, RunDefaults.EXPORT_FORMAT),
              Optional.ofNullable(exportDtype),
              requireNonNullElse(resumeAnyway, RunDefaults.RESUME_ANYWAY),
              requireNonNullElse(activationRecomputation, RunDefaults.ACTIVATION_RECOMPUTATION),
              requireNonNullElse(subset, RunDefaults.SUBSET),
              listeners,
              Optional.ofNullable(distributed)));
    }

    /** {@return {@code value}, the setting {@code name}'s first value} */
    private static <T> T once(String name, T current, T value) {
      if (value == null) {
        throw new NullPointerException(name + " must not be null");
      }
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
      return value;
    }

    private static void required(List<String> problems, String name, Object value) {
      if (value == null) {
        problems.add(name + " is required");
      }
    }

    private static void positive(List<String> problems, String name, double v) {
      if (!(v > 0) || Double.isInfinite(v) && !name.equals("maxGradNorm")) {
        problems.add(name + " must be > 0, got " + v);
      }
    }

    private static void atLeast(List<String> problems, String name, long v, long min) {
      if (v < min) {
        problems.add(name + " must be >= " + min + ", got " + v);
      }
    }
  }
}
