package io.lntune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.LlavaVocabulary;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finetunes a LLaVA model by training only what a {@link Strategy} selects (by default the LayerNorms in the
 * attention blocks, the paper's method), on LLaVA-format data, and exports the result.
 *
 * <pre>{@code
 * LlavaModel model = LlavaModel.load(Path.of("/models/llava-v1-llama2-7b"), Placement.cpu(DType.BF16), null);
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
 */
public final class LayerNormTuner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LayerNormTuner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TunerSettings settings;
  private boolean closed;

  private LayerNormTuner(TunerSettings settings) {
    this.settings = settings;
  }

  /** {@return a new builder} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the validated settings this tuner runs with} */
  public TunerSettings settings() {
    return settings;
  }

  /**
   * Trains to {@code maxSteps} (resuming from the output directory's last checkpoint, if any), then writes the exports
   * when there is an output directory: {@code trainable.safetensors} (the trained tensors), {@code adapter/} (a PEFT
   * adapter, for strategies that have one) and, when asked for, the merged checkpoint.
   *
   * @throws io.lntune.training.loop.TrainingDivergedException if the loss diverges and the policy is STOP
   * @throws IllegalStateException if this tuner is closed
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
      Lora.attach(model.languageModel().blockLinears(), settings.lora(), settings.seed());
    }
    TrainableParameters trainables = TrainableParameters.select(model, settings.selection(), true);
    model.languageModel().setActivationRecomputation(settings.activationRecomputation());
    AdamW optimizer = OptimizerGroups.build(trainables, settings);
    List<TrainingListener> listeners = new ArrayList<>(settings.listeners());
    JsonlMetricsListener metrics = null;
    if (settings.outputDir() != null) {
      writeRunJson();
      metrics = new JsonlMetricsListener(settings.outputDir().resolve("metrics.jsonl"));
      listeners.add(metrics);
    }
    TrainingRun run;
    try (EpochData data = EpochData.open(settings, tokenizer)) {
      long steps = settings.maxSteps() > 0 ? settings.maxSteps()
          : Math.max(1, data.batchesPerEpoch() / settings.gradientAccumulation());
      TrainerConfig config = new TrainerConfig(steps, settings.gradientAccumulation(), settings.maxGradNorm(),
          settings.schedule(), settings.nanPolicy(), settings.checkpointEvery(), settings.evaluateEvery(),
          settings.outputDir());
      Trainer<Batch> trainer = new Trainer<>(trainables, optimizer, new LlavaTask(model), config, settingsJson(),
          listeners);
      if (settings.evaluation() != null) {
        trainer.setEvaluation(settings.evaluation());
      }
      run = trainer.run(data::from);
    } finally {
      if (metrics != null) {
        metrics.close();
      }
    }
    model.eval();
    Path delta = null;
    Path adapter = null;
    Path merged = null;
    if (settings.outputDir() != null) {
      ExportTensors tensors = ExportTensors.of(model, trainables);
      if (settings.exportDtype() != null) {
        tensors = tensors.withDtype(settings.exportDtype());
      }
      delta = settings.outputDir().resolve("trainable.safetensors");
      TrainableDelta.write(delta, tensors, settings.selection(), Map.of("selection", settings.selection().toString()));
      if (settings.selection().strategy() != null && settings.selection().strategy() != Strategy.FULL) {
        adapter = settings.outputDir().resolve("adapter");
        PeftAdapter.write(adapter, tensors, settings.selection(), settings.lora(), settings.baseModelName());
      }
      if (settings.exportMerged() != null) {
        merged = settings.outputDir().resolve(settings.exportFormat().defaultFolder());
        MergedCheckpoint.write(merged, model, tensors, settings.lora(), settings.exportFormat(),
            settings.exportMerged());
      }
    }
    if (run.losses().isEmpty()) {
      log.info("nothing left to train: the run is complete at step {}", run.lastStep());
    } else {
      log.info("trained {} steps: loss {} -> {}", run.losses().size(), run.losses().get(0),
          run.losses().get(run.losses().size() - 1));
    }
    return new TuningResult(run.losses(), run.trainableParameters(), run.totalParameters(), run.peakResidentBytes(),
        run.checkpointOrNull(), delta, adapter, merged);
  }

  private ObjectNode settingsJson() {
    return settings.toJson(JSON);
  }

  private void writeRunJson() {
    try {
      Files.createDirectories(settings.outputDir());
      Files.writeString(settings.outputDir().resolve("run.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(settingsJson()));
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + settings.outputDir().resolve("run.json"), e);
    }
  }

  /** Releases nothing native (the model belongs to the caller); later calls to {@link #fit()} fail. */
  @Override
  public void close() {
    closed = true;
  }

  /**
   * Configures a {@link LayerNormTuner}. Each setting may be set once; {@link #build()} checks them all together.
   * Not thread-safe.
   */
  public static final class Builder {
    private final TunerSettings.Draft draft = new TunerSettings.Draft();

    private Builder() {}

    /** The model to train (required). It stays the caller's: the tuner changes its trainable tensors in place. */
    public Builder model(LlavaModel model) {
      draft.set("model", model);
      return this;
    }

    /**
     * The model's tokenizer (required). Tokens the template or the model's image markup need ({@code [PAD]} for v0,
     * {@code <im_start>}/{@code <im_end>}) are added when it lacks them, and the model's vocabulary grows to match.
     */
    public Builder tokenizer(Tokenizer tokenizer) {
      draft.set("tokenizer", tokenizer);
      return this;
    }

    /** LLaVA JSON training data and the folder its image paths resolve under (required). */
    public Builder trainData(Path json, Path imageRoot) {
      draft.set("trainData", json);
      draft.set("imageRoot", imageRoot);
      return this;
    }

    /** The strategy. If not set: {@link Strategy#LAYERNORM}. Conflicts with {@link #selection}. */
    public Builder strategy(Strategy strategy) {
      draft.set("strategy", strategy);
      return this;
    }

    /** A selection with options or a custom predicate, instead of {@link #strategy}. */
    public Builder selection(Selection selection) {
      draft.set("selection", selection);
      return this;
    }

    /** LoRA settings (only with {@link Strategy#LORA}). If not set: r=64, alpha=16, dropout 0.05, all linears. */
    public Builder lora(LoraConfig lora) {
      draft.set("lora", lora);
      return this;
    }

    /** The conversation template. If not set: {@code plain} for CONNECTOR_ONLY, {@code vicuna_v1} otherwise. */
    public Builder template(String name) {
      draft.set("template", name);
      return this;
    }

    /** Peak learning rate. If not set: the strategy's default (3e-3 for LAYERNORM, 2e-4 for LORA, ...). */
    public Builder learningRate(double lr) {
      draft.set("learningRate", lr);
      return this;
    }

    /** The connector's own learning rate (LLaVA's {@code mm_projector_lr}). If not set: the learning rate. */
    public Builder connectorLearningRate(double lr) {
      draft.set("connectorLearningRate", lr);
      return this;
    }

    /** AdamW weight decay for matrices (never for 1-D parameters such as norm gains). If not set: 0. */
    public Builder weightDecay(double wd) {
      draft.set("weightDecay", wd);
      return this;
    }

    /** The learning-rate schedule. If not set: cosine with 3% warm-up (LLaVA's). */
    public Builder schedule(LrSchedule schedule) {
      draft.set("schedule", schedule);
      return this;
    }

    /** Samples per micro-batch. If not set: 4. */
    public Builder batchSize(int n) {
      draft.set("batchSize", n);
      return this;
    }

    /** Micro-batches per optimizer step. If not set: 1. */
    public Builder gradientAccumulation(int n) {
      draft.set("gradientAccumulation", n);
      return this;
    }

    /** Optimizer steps. If not set: one epoch of the data. */
    public Builder maxSteps(long n) {
      draft.set("maxSteps", n);
      return this;
    }

    /** Gradient clipping norm. If not set: 1.0. */
    public Builder maxGradNorm(double norm) {
      draft.set("maxGradNorm", norm);
      return this;
    }

    /** Seed for data order and adapters. If not set: 42. */
    public Builder seed(long seed) {
      draft.set("seed", seed);
      return this;
    }

    /** Where checkpoints, metrics, run.json and exports go. If not set: nothing is written. */
    public Builder outputDir(Path dir) {
      draft.set("outputDir", dir);
      return this;
    }

    /** Checkpoint every n steps (and at the end). If not set: only at the end. */
    public Builder checkpointEvery(long n) {
      draft.set("checkpointEvery", n);
      return this;
    }

    /** What a NaN or infinite loss does. If not set: {@link NanPolicy#STOP}. */
    public Builder nanPolicy(NanPolicy policy) {
      draft.set("nanPolicy", policy);
      return this;
    }

    /** Image preprocessing. If not set: CLIP's, at the model's image size (padded to a square for {@code pad}). */
    public Builder imageTransform(ImageTransform transform) {
      draft.set("imageTransform", transform);
      return this;
    }

    /** Data worker threads. If not set: 2. */
    public Builder workers(int n) {
      draft.set("workers", n);
      return this;
    }

    /** The base model's name recorded in exports. If not set: "unknown". */
    public Builder baseModelName(String name) {
      draft.set("baseModelName", name);
      return this;
    }

    /** Calls {@code hook} every {@code every} steps; its figures go to the listeners and metrics.jsonl. */
    public Builder evaluation(long every, Trainer.Evaluation hook) {
      draft.set("evaluateEvery", every);
      draft.set("evaluation", hook);
      return this;
    }

    /**
     * Also writes a merged checkpoint, complete with everything trained folded in, in the layout {@link #exportFormat}
     * chooses ({@code llava-merged/} or {@code llava-hf-merged/} in the output directory), copying the tokenizer files
     * from {@code tokenizerFiles} (the base model's directory). If not set: no merged checkpoint (the delta and the
     * adapter are always written).
     */
    public Builder exportMerged(Path tokenizerFiles) {
      draft.set("exportMerged", tokenizerFiles);
      return this;
    }

    /**
     * The merged checkpoint's layout: {@link MergedLayout#ORIGINAL} for LLaVA's {@code load_pretrained_model},
     * {@link MergedLayout#LLAVA_HF} for transformers' {@code LlavaForConditionalGeneration}. Needs
     * {@link #exportMerged}. If not set: ORIGINAL.
     */
    public Builder exportFormat(MergedLayout layout) {
      draft.set("exportFormat", layout);
      return this;
    }

    /**
     * The dtype of every exported tensor (F32, BF16 or F16). If not set: trained tensors are written from their fp32
     * masters (what training arrived at, before rounding to the model's dtype), the rest in the model's dtype.
     */
    public Builder exportDtype(DType dtype) {
      draft.set("exportDtype", dtype);
      return this;
    }

    /**
     * Recomputes each decoder layer in the backward pass instead of keeping its activations: far less memory for
     * about one more forward pass; losses and gradients are unchanged. If not set: false.
     */
    public Builder activationRecomputation(boolean on) {
      draft.set("activationRecomputation", on);
      return this;
    }

    /** Adds a listener (progress bar, logs, your own); may be called more than once. */
    public Builder listener(TrainingListener listener) {
      draft.listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * {@return the tuner}
     *
     * @throws IllegalStateException naming every missing or conflicting setting
     */
    public LayerNormTuner build() {
      return new LayerNormTuner(draft.validate());
    }
  }

}
