package io.lntune.training.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.AtomicFiles;
import io.lntune.torch.LntuneException;
import io.lntune.training.checkpoint.TrainingCheckpoints;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.LlavaVocabulary;
import io.lntune.training.distributed.DataParallel;
import io.lntune.training.distributed.DistributedGroup;
import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.export.ExportTensors;
import io.lntune.training.export.MergedCheckpoint;
import io.lntune.training.export.PeftAdapter;
import io.lntune.training.export.TrainableDelta;
import io.lntune.training.listener.JsonlMetricsListener;
import io.lntune.training.loop.LlavaTask;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingDivergedException;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.OptimizerGroups;
import io.lntune.training.optim.TrainableParameters;
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
 * One finetuning run of a LLaVA model, assembled from its settings: {@link #prepare()} fits the
 * tokenizer to the model, readies the strategy ({@link Preparation}) and groups the optimizer
 * ({@link OptimizerGroups}); {@link #fit()} then checks that the output directory's last checkpoint
 * may be resumed, trains on epoch after epoch of the data, and writes the exports and {@code
 * run.json}.
 *
 * <pre>{@code
 * TuningResult r = new FinetuningRun(settings).fit();
 * }</pre>
 *
 * <p>{@code LayerNormTuner} is the facade over it. Not thread-safe.
 */
public final class FinetuningRun {
  private static final Logger log = LoggerFactory.getLogger(FinetuningRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RunSettings settings;

  /**
   * @param settings the run's settings, checked
   */
  public FinetuningRun(RunSettings settings) {
    this.settings = settings;
  }

  /**
   * What training needs, made ready on the model.
   *
   * @param tokenizer the settings' tokenizer with the tokens the template and image markup need
   * @param trainables the selected parameters, with fp32 masters
   * @param optimizer AdamW over them, in LLaVA's groups
   */
  public record Prepared(Tokenizer tokenizer, TrainableParameters trainables, AdamW optimizer) {}

  /**
   * Readies the model: adds the tokens the template and the image markup need to the tokenizer and
   * rows for them to the model (before anything holds the trainable tensors), attaches LoRA for
   * {@link Strategy#LORA}, selects the trainable parameters and groups them for AdamW. {@link
   * #fit()} starts with it.
   *
   * @return the fitted tokenizer, the trainable parameters and the optimizer
   */
  public Prepared prepare() {
    LlavaModel model = settings.model();
    Tokenizer tokenizer =
        LlavaVocabulary.forTraining(
            model, settings.tokenizer(), ConversationTemplate.forName(settings.template()));
    TrainableParameters trainables =
        Preparation.trainables(model, settings.selection(), settings.lora(), settings.seed());
    AdamW optimizer =
        OptimizerGroups.adamW(
            trainables,
            settings.learningRate(),
            settings.connectorLearningRate(),
            settings.weightDecay());
    return new Prepared(tokenizer, trainables, optimizer);
  }

  /**
   * Trains to {@code maxSteps} (resuming from the output directory's last checkpoint, if any), then
   * writes the exports when there is an output directory: {@code trainable.safetensors} (the
   * trained tensors), {@code adapter/} (a PEFT adapter, for strategies that have one) and, when
   * asked for, the merged checkpoint; {@code run.json} last.
   *
   * <p>Blocks until done. Runs on the model's device; the model is left in evaluation mode with the
   * trained weights.
   *
   * @return the losses, the trained share of the model and the paths written
   * @throws TrainingDivergedException if the loss is not finite and the NaN policy is STOP
   * @throws LntuneException if the last checkpoint was trained with other settings and resuming
   *     anyway was not asked
   * @throws UncheckedIOException if the data or an output cannot be read or written (samples whose
   *     image or text is bad are skipped and counted, not fatal)
   * @throws IllegalStateException if the data yields no batch
   */
  public TuningResult fit() {
    Prepared prepared = prepare();
    // Once, after the vocabulary has grown: it reads the data file's size and time, and run.json,
    // the checkpoints
    // and the resume check must all describe the same run.
    ObjectNode runSettings = settings.toJson(JSON);
    settings
        .outputDir()
        .flatMap(TrainingCheckpoints::latest)
        .ifPresent(last -> checkResumable(last, runSettings));
    TrainingRun run;
    Optional<DistributedSettings> distributed = settings.distributed();
    if (distributed.isPresent()) {
      DistributedSettings job = distributed.get();
      try (DistributedGroup group =
              DistributedGroup.join(
                  job.environment(),
                  job.backendFor(settings.model().placement().device()),
                  job.timeout());
          DataParallel parallel = new DataParallel(group, prepared.trainables())) {
        run = train(prepared, runSettings, Optional.of(parallel));
      }
    } else {
      run = train(prepared, runSettings, Optional.empty());
    }
    settings.model().eval();
    if (run.losses().isEmpty()) {
      log.info("nothing left to train: the run is complete at step {}", run.lastStep());
    } else {
      log.info(
          "trained {} steps: loss {} -> {}",
          run.losses().size(),
          run.losses().get(0),
          run.losses().get(run.losses().size() - 1));
    }
    boolean main = distributed.map(d -> d.environment().isMain()).orElse(true);
    return settings
        .outputDir()
        .filter(out -> main) // rank 0 exports; the others hold the same tensors
        .map(out -> export(out, run, prepared.trainables(), runSettings))
        .orElseGet(
            () -> new TuningResult(run, Optional.empty(), Optional.empty(), Optional.empty()));
  }

  /**
   * Writes the trained tensors, the PEFT adapter (for strategies that have one), the merged
   * checkpoint (when asked for) and, last, {@code run.json}, which describes the artifacts beside
   * it.
   */
  private TuningResult export(
      Path out, TrainingRun run, TrainableParameters trainables, ObjectNode runSettings) {
    ExportTensors tensors = ExportTensors.of(settings.model(), trainables);
    if (settings.exportDtype().isPresent()) {
      tensors = tensors.withDtype(settings.exportDtype().get());
    }
    if (settings.lora().isPresent()) {
      tensors = tensors.withLora(settings.lora().get());
    }
    Path delta = out.resolve("trainable.safetensors");
    TrainableDelta.write(
        delta, tensors, settings.selection(), Map.of("selection", settings.selection().toString()));
    Optional<Path> adapter = Optional.empty();
    if (settings.selection().strategy().isPresent() && !settings.selection().is(Strategy.FULL)) {
      adapter = Optional.of(out.resolve("adapter"));
      PeftAdapter.write(adapter.get(), tensors, settings.selection(), settings.baseModelName());
    }
    Optional<Path> merged = Optional.empty();
    if (settings.exportMerged().isPresent()) {
      merged = Optional.of(out.resolve(settings.exportFormat().defaultFolder()));
      MergedCheckpoint.write(
          merged.get(),
          settings.model(),
          tensors,
          settings.exportFormat(),
          settings.exportMerged().get());
    }
    writeRunJson(out, runSettings);
    return new TuningResult(run, Optional.of(delta), adapter, merged);
  }

  /**
   * Runs the trainer over the data, with {@code metrics.jsonl} among the listeners when there is an
   * output; in a data-parallel job, rank 0 alone has listeners.
   */
  private TrainingRun train(
      Prepared prepared, ObjectNode runSettings, Optional<DataParallel> parallel) {
    boolean main = parallel.map(p -> p.group().isMain()).orElse(true);
    List<TrainingListener> listeners =
        main ? new ArrayList<>(settings.listeners()) : new ArrayList<>();
    Optional<Path> out = settings.outputDir();
    JsonlMetricsListener metrics = null;
    if (out.isPresent() && main) {
      metrics = new JsonlMetricsListener(out.get().resolve("metrics.jsonl"));
      listeners.add(metrics);
    }
    try (EpochData data = EpochData.open(settings, prepared.tokenizer())) {
      long steps =
          settings.maxSteps() > 0
              ? settings.maxSteps()
              : Math.max(1, data.batchesPerEpoch() / settings.gradientAccumulation());
      TrainerConfig config =
          new TrainerConfig(
              steps,
              settings.gradientAccumulation(),
              settings.maxGradNorm(),
              settings.schedule(),
              settings.nanPolicy(),
              settings.checkpointEvery(),
              settings.evaluateEvery(),
              out,
              settings.keepCheckpoints(),
              settings.gradientStatsEvery());
      Trainer<Batch> trainer =
          new Trainer<>(
              prepared.trainables(),
              prepared.optimizer(),
              new LlavaTask(settings.model(), settings.activationRecomputation()),
              config,
              runSettings,
              listeners);
      settings.evaluation().ifPresent(trainer::setEvaluation);
      parallel.ifPresent(trainer::setDataParallel);
      return trainer.run(data::from);
    } finally {
      if (metrics != null) {
        metrics.close();
      }
    }
  }

  /** Atomically, so that a reader finds the old run.json or the new, never half. */
  private static void writeRunJson(Path out, ObjectNode runSettings) {
    try {
      AtomicFiles.writeString(
          out.resolve("run.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(runSettings));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("writing " + out.resolve("run.json"), e);
    }
  }

  /**
   * Refuses to resume from {@code checkpoint} when it was trained with other settings than this
   * run's, unless the settings say to resume anyway (then warns).
   */
  private void checkResumable(Path checkpoint, ObjectNode runSettings) {
    List<String> differences =
        ResumeCheck.differences(TrainingCheckpoints.config(checkpoint), runSettings);
    if (differences.isEmpty()) {
      return;
    }
    String listed = String.join("; ", differences);
    if (!settings.resumeAnyway()) {
      throw new LntuneException(
          checkpoint
              + " was trained with other settings than this run's: "
              + listed
              + ". Resume all the same with --resume-anyway (resumeAnyway(true)), or write to another output directory");
    }
    log.warn(
        "resuming from {} although it was trained with other settings: {}", checkpoint, listed);
  }
}
