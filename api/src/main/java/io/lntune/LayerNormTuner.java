package io.lntune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.AtomicFiles;
import io.lntune.torch.DType;
import io.lntune.torch.LntuneException;
import io.lntune.training.checkpoint.TrainingCheckpoints;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.LlavaVocabulary;
import io.lntune.training.data.SampleType;
import io.lntune.training.data.Subset;
import io.lntune.training.export.ExportTensors;
import io.lntune.training.export.MergedCheckpoint;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.export.PeftAdapter;
import io.lntune.training.export.TrainableDelta;
import io.lntune.training.listener.JsonlMetricsListener;
import io.lntune.training.loop.LlavaTask;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finetunes a LLaVA model by training only what a {@link Strategy} selects (by default the LayerNorms in the
 * attention blocks, the paper's method), on LLaVA-format data, and exports the result.
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
 * <p>Stage 1 (connector pretraining) is a run with {@code strategy(Strategy.CONNECTOR_ONLY)}, the {@code plain}
 * template and caption data; stage 2 is a second tuner on the same model object (or a fresh model given stage 1's
 * {@code trainable.safetensors} through {@link TrainableDelta#apply}). Not thread-safe; builders are single-use.
 *
 * @since 0.1.0
 */
public final class LayerNormTuner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LayerNormTuner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TunerSettings settings;
  private boolean closed;

  private LayerNormTuner(TunerSettings settings) {
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
  public TunerSettings settings() {
    return settings;
  }

  /**
   * Trains to {@code maxSteps} (resuming from the output directory's last checkpoint, if any), then writes the exports
   * when there is an output directory: {@code trainable.safetensors} (the trained tensors), {@code adapter/} (a PEFT
   * adapter, for strategies that have one) and, when asked for, the merged checkpoint.
   *
   * <p>Blocks until done. Runs on the model's device; the model is left in evaluation mode with the trained weights.
   *
   * @return the losses, the trained share of the model and the paths written
   * @throws io.lntune.training.loop.TrainingDivergedException if the loss is not finite and the NaN policy is STOP
   * @throws java.io.UncheckedIOException if the data or an output cannot be read or written (samples whose image or
   *     text is bad are skipped and counted, not fatal)
   * @throws IllegalStateException if this tuner is closed, or the data yields no batch
   */
  public TuningResult fit() {
    if (closed) {
      throw new IllegalStateException("tuner is closed");
    }
    LlavaModel model = settings.model();
    // Before anything holds the trainable tensors: the tokenizer may need new embedding rows ([PAD], <im_start>).
    Tokenizer tokenizer = LlavaVocabulary.forTraining(model, settings.tokenizer(),
        ConversationTemplate.forName(settings.template()));
    if (settings.selection().strategy() == Strategy.LORA && !model.languageModel().blockLinears().values().iterator()
        .next().hasAdapter()) {
      Lora.attach(model.languageModel().blockLinears(), settings.lora().orElseThrow(), settings.seed());
    }
    TrainableParameters trainables = TrainableParameters.select(model, settings.selection(), true);
    AdamW optimizer = OptimizerGroups.build(trainables, settings);
    List<TrainingListener> listeners = new ArrayList<>(settings.listeners());
    Optional<Path> out = settings.outputDir();
    // Once, after the vocabulary has grown: it reads the data file's size and time, and run.json, the checkpoints
    // and the resume check must all describe the same run.
    ObjectNode runSettings = settings.toJson(JSON);
    out.flatMap(TrainingCheckpoints::latest).ifPresent(last -> checkResumable(last, runSettings));
    JsonlMetricsListener metrics = null;
    if (out.isPresent()) {
      metrics = new JsonlMetricsListener(out.get().resolve("metrics.jsonl"));
      listeners.add(metrics);
    }
    TrainingRun run;
    try (EpochData data = EpochData.open(settings, tokenizer)) {
      long steps = settings.maxSteps() > 0 ? settings.maxSteps()
          : Math.max(1, data.batchesPerEpoch() / settings.gradientAccumulation());
      TrainerConfig config = new TrainerConfig(steps, settings.gradientAccumulation(), settings.maxGradNorm(),
          settings.schedule(), settings.nanPolicy(), settings.checkpointEvery(), settings.evaluateEvery(),
          out, settings.keepCheckpoints());
      LlavaTask task = new LlavaTask(model, settings.activationRecomputation());
      Trainer<Batch> trainer = new Trainer<>(trainables, optimizer, task, config, runSettings, listeners);
      settings.evaluation().ifPresent(trainer::setEvaluation);
      run = trainer.run(data::from);
    } finally {
      if (metrics != null) {
        metrics.close();
      }
    }
    model.eval();
    Optional<Path> delta = Optional.empty();
    Optional<Path> adapter = Optional.empty();
    Optional<Path> merged = Optional.empty();
    if (out.isPresent()) {
      ExportTensors tensors = ExportTensors.of(model, trainables);
      if (settings.exportDtype().isPresent()) {
        tensors = tensors.withDtype(settings.exportDtype().get());
      }
      delta = Optional.of(out.get().resolve("trainable.safetensors"));
      TrainableDelta.write(delta.get(), tensors, settings.selection(), Map.of("selection",
          settings.selection().toString()));
      if (settings.selection().strategy() != null && settings.selection().strategy() != Strategy.FULL) {
        adapter = Optional.of(out.get().resolve("adapter"));
        PeftAdapter.write(adapter.get(), tensors, settings.selection(), settings.lora().orElse(null),
            settings.baseModelName());
      }
      if (settings.exportMerged().isPresent()) {
        merged = Optional.of(out.get().resolve(settings.exportFormat().defaultFolder()));
        MergedCheckpoint.write(merged.get(), model, tensors, settings.lora().orElse(null), settings.exportFormat(),
            settings.exportMerged().get());
      }
    }
    if (out.isPresent()) {
      writeRunJson(out.get(), runSettings); // last: run.json describes the artifacts beside it
    }
    if (run.losses().isEmpty()) {
      log.info("nothing left to train: the run is complete at step {}", run.lastStep());
    } else {
      log.info("trained {} steps: loss {} -> {}", run.losses().size(), run.losses().get(0),
          run.losses().get(run.losses().size() - 1));
    }
    return new TuningResult(run.losses(), run.trainableParameters(), run.totalParameters(), run.peakResidentBytes(),
        run.checkpoint(), delta, adapter, merged);
  }

  /** Atomically, so that a reader finds the old run.json or the new, never half. */
  private static void writeRunJson(Path out, ObjectNode runSettings) {
    try {
      AtomicFiles.writeString(out.resolve("run.json"), JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsString(runSettings));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("writing " + out.resolve("run.json"), e);
    }
  }

  /**
   * Refuses to resume from {@code checkpoint} when it was trained with other settings than this tuner's, unless
   * {@link Builder#resumeAnyway} says to (then warns).
   */
  private void checkResumable(Path checkpoint, ObjectNode runSettings) {
    List<String> differences = ResumeCheck.differences(TrainingCheckpoints.config(checkpoint), runSettings);
    if (differences.isEmpty()) {
      return;
    }
    String listed = String.join("; ", differences);
    if (!settings.resumeAnyway()) {
      throw new LntuneException(checkpoint + " was trained with other settings than this run's: " + listed
          + ". Resume all the same with --resume-anyway (resumeAnyway(true)), or write to another output directory");
    }
    log.warn("resuming from {} although it was trained with other settings: {}", checkpoint, listed);
  }

  /** Releases nothing native (the model belongs to the caller); later calls to {@link #fit()} fail. */
  @Override
  public void close() {
    closed = true;
  }

  /**
   * Configures a {@link LayerNormTuner}. Each setting may be set once; {@link #build()} checks them all together.
   * Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final TunerSettings.Draft draft = new TunerSettings.Draft();

    private Builder() {}

    /**
     * The model to train (required). It stays the caller's: the tuner changes its trainable tensors in place, and
     * closing the tuner does not close it.
     *
     * @param model a LLaVA model, loaded or built, on the device and in the dtype to train in
     * @return this builder
     * @throws NullPointerException if {@code model} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder model(LlavaModel model) {
      draft.set("model", model);
      return this;
    }

    /**
     * The model's tokenizer (required). Tokens the template or the model's image markup need ({@code [PAD]} for v0,
     * {@code <im_start>}/{@code <im_end>}) are added when it lacks them, and the model's vocabulary grows to match; a
     * tokenizer larger than the model's vocabulary to begin with is refused when {@link LayerNormTuner#fit()} starts.
     *
     * @param tokenizer the tokenizer, usually {@code Tokenizer.load(modelDir)}
     * @return this builder
     * @throws NullPointerException if {@code tokenizer} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder tokenizer(Tokenizer tokenizer) {
      draft.set("tokenizer", tokenizer);
      return this;
    }

    /**
     * LLaVA JSON training data and the folder its image paths resolve under (required). {@link #build()} checks
     * that the file and the folder exist.
     *
     * @param json a LLaVA JSON file: an array of {@code {"id", "image", "conversations"}} objects
     * @param imageRoot the folder each sample's {@code image} path is relative to
     * @return this builder
     * @throws NullPointerException if {@code json} or {@code imageRoot} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder trainData(Path json, Path imageRoot) {
      draft.set("trainData", json);
      draft.set("imageRoot", imageRoot);
      return this;
    }

    /**
     * Trains on a seeded subset of the data: {@code N} samples at random or {@code N} of each named type (the paper's
     * data-type ablation; see {@link Subset} and, for how a sample's type is found, {@link SampleType}). The draw uses
     * {@link #seed}. If not set: all the data.
     *
     * @param subset the subset, e.g. {@code Subset.parse("conversation:20000")}
     * @return this builder
     * @throws NullPointerException if {@code subset} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder subset(Subset subset) {
      draft.set("subset", subset);
      return this;
    }

    /**
     * What to train. If not set: {@link Strategy#LAYERNORM}. Conflicts with {@link #selection}.
     *
     * @param strategy the strategy
     * @return this builder
     * @throws NullPointerException if {@code strategy} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder strategy(Strategy strategy) {
      draft.set("strategy", strategy);
      return this;
    }

    /**
     * What to train, as a selection with options or a custom predicate, instead of {@link #strategy}.
     *
     * @param selection the selection
     * @return this builder
     * @throws NullPointerException if {@code selection} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder selection(Selection selection) {
      draft.set("selection", selection);
      return this;
    }

    /**
     * LoRA settings, only with {@link Strategy#LORA}. If not set: r=64, alpha=16, dropout 0.05, all linears.
     *
     * @param lora the LoRA rank, scale, dropout and target modules
     * @return this builder
     * @throws NullPointerException if {@code lora} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder lora(LoraConfig lora) {
      draft.set("lora", lora);
      return this;
    }

    /**
     * The conversation template. If not set: {@code plain} for CONNECTOR_ONLY, {@code vicuna_v1} otherwise.
     * {@link #build()} rejects an unknown name.
     *
     * @param name the template's name: {@code plain}, {@code vicuna_v1}, {@code llava_v1}, {@code llama_2} or {@code v0}
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder template(String name) {
      draft.set("template", name);
      return this;
    }

    /**
     * Peak learning rate. If not set: the strategy's default (3e-3 for LAYERNORM, 2e-4 for LORA, ...).
     *
     * @param lr the peak learning rate, greater than 0
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder learningRate(double lr) {
      draft.set("learningRate", lr);
      return this;
    }

    /**
     * The connector's own peak learning rate (LLaVA's {@code mm_projector_lr}). If not set: the learning rate.
     *
     * @param lr the connector's peak learning rate, greater than 0
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder connectorLearningRate(double lr) {
      draft.set("connectorLearningRate", lr);
      return this;
    }

    /**
     * AdamW weight decay for matrices (never for 1-D parameters such as norm gains). If not set: 0.
     *
     * @param wd the decoupled weight decay, 0 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder weightDecay(double wd) {
      draft.set("weightDecay", wd);
      return this;
    }

    /**
     * The learning-rate schedule. If not set: cosine with 3% warm-up (LLaVA's).
     *
     * @param schedule the schedule
     * @return this builder
     * @throws NullPointerException if {@code schedule} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder schedule(LrSchedule schedule) {
      draft.set("schedule", schedule);
      return this;
    }

    /**
     * Samples per micro-batch. If not set: 4.
     *
     * @param n samples per micro-batch, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder batchSize(int n) {
      draft.set("batchSize", n);
      return this;
    }

    /**
     * Micro-batches per optimizer step. If not set: 1.
     *
     * @param n micro-batches per step, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder gradientAccumulation(int n) {
      draft.set("gradientAccumulation", n);
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
      draft.set("maxSteps", n);
      return this;
    }

    /**
     * Gradient clipping: the global L2 norm gradients are scaled down to. If not set: 1.0.
     *
     * @param norm the largest gradient norm, greater than 0 (infinity turns clipping off)
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder maxGradNorm(double norm) {
      draft.set("maxGradNorm", norm);
      return this;
    }

    /**
     * Seed for the data order and adapter initialisation. If not set: 42.
     *
     * @param seed the seed
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder seed(long seed) {
      draft.set("seed", seed);
      return this;
    }

    /**
     * Where checkpoints, {@code metrics.jsonl}, {@code run.json} and exports go; a run in a folder that holds
     * checkpoints resumes from the last. If not set: nothing is written.
     *
     * @param dir the output folder, created if missing
     * @return this builder
     * @throws NullPointerException if {@code dir} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder outputDir(Path dir) {
      draft.set("outputDir", dir);
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
      draft.set("checkpointEvery", n);
      return this;
    }

    /**
     * What a NaN or infinite loss does. If not set: {@link NanPolicy#STOP}.
     *
     * @param policy the policy
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder nanPolicy(NanPolicy policy) {
      draft.set("nanPolicy", policy);
      return this;
    }

    /**
     * Image preprocessing. If not set: CLIP's, at the model's image size (padded to a square for {@code pad}).
     *
     * @param transform turns a decoded image into the model's pixel tensor
     * @return this builder
     * @throws NullPointerException if {@code transform} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder imageTransform(ImageTransform transform) {
      draft.set("imageTransform", transform);
      return this;
    }

    /**
     * Data worker threads. If not set: 2.
     *
     * @param n worker threads, 1 or more
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder workers(int n) {
      draft.set("workers", n);
      return this;
    }

    /**
     * The base model's name recorded in exports. If not set: "unknown".
     *
     * @param name the name, e.g. a Hugging Face model id
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder baseModelName(String name) {
      draft.set("baseModelName", name);
      return this;
    }

    /**
     * Calls {@code hook} every {@code every} steps; its figures go to the listeners and {@code metrics.jsonl}. If not
     * set: no evaluation.
     *
     * @param every steps between evaluations, 1 or more
     * @param hook the evaluation, given the step just completed
     * @return this builder
     * @throws NullPointerException if {@code hook} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder evaluation(long every, Trainer.Evaluation hook) {
      draft.set("evaluateEvery", every);
      draft.set("evaluation", hook);
      return this;
    }

    /**
     * Also writes a merged checkpoint, complete with everything trained folded in, in the layout {@link #exportFormat}
     * chooses ({@code llava-merged/} or {@code llava-hf-merged/} in the output directory), copying the tokenizer files
     * from {@code tokenizerFiles} (the base model's directory). Needs an output directory. If not set: no merged
     * checkpoint (the delta and the adapter are always written).
     *
     * @param tokenizerFiles the folder holding the tokenizer files to copy
     * @return this builder
     * @throws NullPointerException if {@code tokenizerFiles} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder exportMerged(Path tokenizerFiles) {
      draft.set("exportMerged", tokenizerFiles);
      return this;
    }

    /**
     * The merged checkpoint's layout: {@link MergedLayout#ORIGINAL} for LLaVA's {@code load_pretrained_model},
     * {@link MergedLayout#LLAVA_HF} for transformers' {@code LlavaForConditionalGeneration}. Needs
     * {@link #exportMerged}. If not set: ORIGINAL.
     *
     * @param layout the layout of the merged checkpoint
     * @return this builder
     * @throws NullPointerException if {@code layout} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder exportFormat(MergedLayout layout) {
      draft.set("exportFormat", layout);
      return this;
    }

    /**
     * The dtype of every exported tensor (F32, BF16 or F16). If not set: trained tensors are written from their fp32
     * masters (what training arrived at, before rounding to the model's dtype), the rest in the model's dtype.
     *
     * @param dtype the dtype of the exported tensors
     * @return this builder
     * @throws NullPointerException if {@code dtype} is null
     * @throws IllegalStateException if it was already set
     */
    public Builder exportDtype(DType dtype) {
      draft.set("exportDtype", dtype);
      return this;
    }

    /**
     * Recomputes each decoder layer in the backward pass instead of keeping its activations: far less memory for
     * about one more forward pass; losses and gradients are unchanged. If not set: false.
     *
     * @param on whether to recompute
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder activationRecomputation(boolean on) {
      draft.set("activationRecomputation", on);
      return this;
    }

    /**
     * Keeps only the newest {@code n} checkpoints, deleting older ones after each new one is written (the last one is
     * always kept). If not set: 0, every checkpoint is kept.
     *
     * @param n how many checkpoints to keep, or 0 for all
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder keepCheckpoints(int n) {
      draft.set("keepCheckpoints", n);
      return this;
    }

    /**
     * Resumes from the output directory's last checkpoint even when it was trained with other settings (data file,
     * its size or time, strategy, learning rates, batch, steps, seed, model), with a warning naming each difference.
     * If not set: false, and such a rerun is refused with the differences named.
     *
     * @param anyway whether to resume all the same
     * @return this builder
     * @throws IllegalStateException if it was already set
     */
    public Builder resumeAnyway(boolean anyway) {
      draft.set("resumeAnyway", anyway);
      return this;
    }

    /**
     * Adds a listener (progress bar, logs, your own); may be called more than once, and listeners are called in the
     * order they were added.
     *
     * @param listener told of the run's start, every step, evaluations, checkpoints and the end
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder listener(TrainingListener listener) {
      draft.listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Checks every setting at once and makes the tuner. Nothing is read or trained yet, except that the data file
     * and image folder must exist.
     *
     * @return the tuner, ready to {@link LayerNormTuner#fit()}
     * @throws IllegalStateException naming every missing, out-of-range or conflicting setting
     */
    public LayerNormTuner build() {
      return new LayerNormTuner(draft.validate());
    }
  }

}
