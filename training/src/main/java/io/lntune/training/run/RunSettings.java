package io.lntune.training.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.Subset;
import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of a {@link FinetuningRun}, every default filled in ({@link RunDefaults}); {@code
 * LayerNormTuner}'s builder makes them, checked, and its setters give each setting's meaning. A run
 * writes them as {@code run.json} in its output directory and into every checkpoint.
 *
 * <pre>{@code
 * RunSettings s = tuner.settings();
 * System.out.println(s.selection() + " at lr " + s.learningRate() + ", " + s.maxSteps() + " steps");
 * }</pre>
 *
 * @param model the model to train; it stays the caller's
 * @param tokenizer the tokenizer, matching the model's vocabulary
 * @param trainData the LLaVA JSON file of training conversations
 * @param imageRoot the folder the data's image paths resolve under
 * @param selection what is trained: a strategy with its options, or a custom predicate over
 *     parameter names
 * @param lora the LoRA settings; present exactly when the strategy is {@link Strategy#LORA}
 * @param template the conversation template's name ({@code plain}, {@code vicuna_v1}, ...)
 * @param learningRate the peak learning rate
 * @param connectorLearningRate the connector's peak learning rate
 * @param weightDecay AdamW's decoupled weight decay for matrices (never for 1-D parameters)
 * @param schedule the learning-rate schedule
 * @param batchSize samples per micro-batch
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxSteps optimizer steps to run; 0 for one epoch of the data
 * @param maxGradNorm the global gradient norm that gradients are clipped to
 * @param seed the seed of the data order and of adapter initialisation
 * @param outputDir where checkpoints, metrics, {@code run.json} and exports go; empty when nothing
 *     is written
 * @param checkpointEvery steps between checkpoints; 0 for a checkpoint at the end only
 * @param keepCheckpoints how many of the newest checkpoints to keep; 0 keeps all
 * @param gradientStatsEvery steps between measurements of the gradients' statistics (norm and
 *     variance across micro-batches per optimizer group, into {@code metrics.jsonl}); 0 for none
 * @param nanPolicy what a NaN or infinite loss does
 * @param imageTransform the image preprocessing
 * @param workers data worker threads
 * @param baseModelName the base model's name recorded in exports
 * @param evaluateEvery steps between evaluations; 0 for none
 * @param evaluation the evaluation hook; empty for none
 * @param exportMerged the folder to copy tokenizer files from into a merged checkpoint; empty for
 *     no merged checkpoint
 * @param exportFormat the merged checkpoint's layout
 * @param exportDtype the dtype of every exported tensor; empty to write trained tensors from their
 *     fp32 masters
 * @param resumeAnyway whether a rerun resumes from a checkpoint trained with other settings (with a
 *     warning) instead of refusing to
 * @param activationRecomputation whether decoder layers are recomputed in the backward pass instead
 *     of keeping their activations
 * @param subset which samples of the training data are used, drawn with the seed; {@link
 *     Subset#all()} for all
 * @param listeners the training listeners, in the order they were added (rank 0's alone in a
 *     data-parallel job)
 * @param distributed the data-parallel job this process is one rank of; empty for a single process
 * @since 0.1.0
 */
public record RunSettings(
    LlavaModel model,
    Tokenizer tokenizer,
    Path trainData,
    Path imageRoot,
    Selection selection,
    Optional<LoraConfig> lora,
    String template,
    double learningRate,
    double connectorLearningRate,
    double weightDecay,
    LrSchedule schedule,
    int batchSize,
    int gradientAccumulation,
    long maxSteps,
    double maxGradNorm,
    long seed,
    Optional<Path> outputDir,
    long checkpointEvery,
    int keepCheckpoints,
    long gradientStatsEvery,
    NanPolicy nanPolicy,
    ImageTransform imageTransform,
    int workers,
    String baseModelName,
    long evaluateEvery,
    Optional<Trainer.Evaluation> evaluation,
    Optional<Path> exportMerged,
    MergedLayout exportFormat,
    Optional<DType> exportDtype,
    boolean resumeAnyway,
    boolean activationRecomputation,
    Subset subset,
    List<TrainingListener> listeners,
    Optional<DistributedSettings> distributed) {

  /**
   * Copies {@code listeners}; optional settings are empty, never null, when absent.
   *
   * @param model the record component {@link #model()}
   * @param tokenizer the record component {@link #tokenizer()}
   * @param trainData the record component {@link #trainData()}
   * @param imageRoot the record component {@link #imageRoot()}
   * @param selection the record component {@link #selection()}
   * @param lora the record component {@link #lora()}
   * @param template the record component {@link #template()}
   * @param learningRate the record component {@link #learningRate()}
   * @param connectorLearningRate the record component {@link #connectorLearningRate()}
   * @param weightDecay the record component {@link #weightDecay()}
   * @param schedule the record component {@link #schedule()}
   * @param batchSize the record component {@link #batchSize()}
   * @param gradientAccumulation the record component {@link #gradientAccumulation()}
   * @param maxSteps the record component {@link #maxSteps()}
   * @param maxGradNorm the record component {@link #maxGradNorm()}
   * @param seed the record component {@link #seed()}
   * @param outputDir the record component {@link #outputDir()}
   * @param checkpointEvery the record component {@link #checkpointEvery()}
   * @param keepCheckpoints the record component {@link #keepCheckpoints()}
   * @param gradientStatsEvery the record component {@link #gradientStatsEvery()}
   * @param nanPolicy the record component {@link #nanPolicy()}
   * @param imageTransform the record component {@link #imageTransform()}
   * @param workers the record component {@link #workers()}
   * @param baseModelName the record component {@link #baseModelName()}
   * @param evaluateEvery the record component {@link #evaluateEvery()}
   * @param evaluation the record component {@link #evaluation()}
   * @param exportMerged the record component {@link #exportMerged()}
   * @param exportFormat the record component {@link #exportFormat()}
   * @param exportDtype the record component {@link #exportDtype()}
   * @param resumeAnyway the record component {@link #resumeAnyway()}
   * @param activationRecomputation the record component {@link #activationRecomputation()}
   * @param subset the record component {@link #subset()}
   * @param listeners the record component {@link #listeners()}
   * @param distributed the record component {@link #distributed()}
   * @throws NullPointerException if an optional setting or the listener list is null
   */
  public RunSettings {
    listeners = List.copyOf(listeners);
    Objects.requireNonNull(lora, "lora");
    Objects.requireNonNull(outputDir, "outputDir");
    Objects.requireNonNull(evaluation, "evaluation");
    Objects.requireNonNull(exportMerged, "exportMerged");
    Objects.requireNonNull(exportFormat, "exportFormat");
    Objects.requireNonNull(exportDtype, "exportDtype");
    Objects.requireNonNull(distributed, "distributed");
  }

  /** {@return the settings as JSON (run.json, and inside every checkpoint)} */
  ObjectNode toJson(ObjectMapper json) {
    ObjectNode n = json.createObjectNode();
    n.put("selection", selection.toString());
    lora.ifPresent(
        l ->
            n.putObject("lora")
                .put("r", l.r())
                .put("alpha", l.alpha())
                .put("dropout", l.dropout())
                .put("targets", String.join(",", l.targets())));
    n.put("train_data", trainData.toString())
        .put("subset", subset.toString())
        .put("image_root", imageRoot.toString())
        .put("template", template);
    try { // the data file's identity: a rerun must not resume on data that changed under the same
      // name
      n.put("train_data_bytes", Files.size(trainData))
          .put("train_data_modified", Files.getLastModifiedTime(trainData).toInstant().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("reading the size and time of " + trainData, e);
    }
    n.put("learning_rate", learningRate)
        .put("connector_learning_rate", connectorLearningRate)
        .put("weight_decay", weightDecay)
        .put("schedule", schedule.toString())
        .put("batch_size", batchSize)
        .put("gradient_accumulation", gradientAccumulation)
        .put("max_steps", maxSteps)
        .put("max_grad_norm", maxGradNorm)
        .put("seed", seed)
        .put("checkpoint_every", checkpointEvery)
        .put("keep_checkpoints", keepCheckpoints)
        .put("gradient_stats_every", gradientStatsEvery)
        .put("nan_policy", nanPolicy.name())
        .put("workers", workers)
        .put("activation_recomputation", activationRecomputation)
        .put("base_model", baseModelName)
        .put("model_dtype", model.placement().dtype().name())
        .put("device", model.placement().device().toString())
        .put("vocab_size", model.config().text().vocabSize())
        .put("image_tokens", model.config().imageTokens())
        .put("export_dtype", exportDtype.map(DType::name).orElse("masters"));
    if (exportMerged.isPresent()) {
      n.put("export_format", exportFormat.option());
    }
    // Only when data-parallel, so that a single process's run.json stays as it was.
    distributed.ifPresent(d -> n.put("world_size", d.environment().worldSize()));
    return n;
  }
}
