package io.lntune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolved settings of a {@link LayerNormTuner}, every default filled in. See the builder's setters for each
 * setting's meaning and default.
 */
public record TunerSettings(LlavaModel model, Tokenizer tokenizer, Path trainData, Path imageRoot, Selection selection,
    LoraConfig lora, String template, double learningRate, double connectorLearningRate, double weightDecay,
    LrSchedule schedule, int batchSize, int gradientAccumulation, long maxSteps, double maxGradNorm, long seed,
    Path outputDir, long checkpointEvery, NanPolicy nanPolicy, ImageTransform imageTransform, int workers,
    String baseModelName, long evaluateEvery, Trainer.Evaluation evaluation, Path exportMerged,
    MergedLayout exportFormat, DType exportDtype, boolean activationRecomputation, List<TrainingListener> listeners) {

  public TunerSettings {
    listeners = List.copyOf(listeners);
  }

  /** {@return the settings as JSON (run.json, and inside every checkpoint)} */
  ObjectNode toJson(ObjectMapper json) {
    ObjectNode n = json.createObjectNode();
    n.put("selection", selection.toString());
    if (lora != null) {
      n.putObject("lora").put("r", lora.r()).put("alpha", lora.alpha()).put("dropout", lora.dropout())
          .put("targets", String.join(",", lora.targets()));
    }
    n.put("train_data", trainData.toString()).put("image_root", imageRoot.toString()).put("template", template)
        .put("learning_rate", learningRate).put("connector_learning_rate", connectorLearningRate)
        .put("weight_decay", weightDecay).put("schedule", schedule.toString()).put("batch_size", batchSize)
        .put("gradient_accumulation", gradientAccumulation).put("max_steps", maxSteps)
        .put("max_grad_norm", maxGradNorm).put("seed", seed).put("checkpoint_every", checkpointEvery)
        .put("nan_policy", nanPolicy.name()).put("workers", workers)
        .put("activation_recomputation", activationRecomputation).put("base_model", baseModelName)
        .put("model_dtype", model.placement().dtype().name()).put("device", model.placement().device().toString())
        .put("vocab_size", model.config().text().vocabSize()).put("image_tokens", model.config().imageTokens())
        .put("export_dtype", exportDtype == null ? "masters" : exportDtype.name());
    if (exportMerged != null) {
      n.put("export_format", exportFormat.option());
    }
    return n;
  }

  /** The builder's values before validation: each set once. */
  static final class Draft {
    private static final List<DType> EXPORT_DTYPES = List.of(DType.F32, DType.BF16, DType.F16);

    private final Map<String, Object> values = new HashMap<>();
    final List<TrainingListener> listeners = new ArrayList<>();

    void set(String name, Object value) {
      if (value == null) {
        throw new NullPointerException(name + " must not be null");
      }
      Object old = values.putIfAbsent(name, value);
      if (old != null) {
        throw new IllegalStateException(name + " was already set to " + old);
      }
    }

    @SuppressWarnings("unchecked")
    private <T> T get(String name, T fallback) {
      return (T) values.getOrDefault(name, fallback);
    }

    TunerSettings validate() {
      List<String> problems = new ArrayList<>();
      for (String required : List.of("model", "tokenizer", "trainData")) {
        if (!values.containsKey(required)) {
          problems.add(required + " is required");
        }
      }
      if (values.containsKey("strategy") && values.containsKey("selection")) {
        problems.add("set either strategy or selection, not both");
      }
      Selection selection = values.containsKey("selection") ? get("selection", null)
          : Selection.of(get("strategy", Strategy.LAYERNORM));
      Strategy strategy = selection.strategy();
      if (values.containsKey("lora") && strategy != Strategy.LORA) {
        problems.add("lora is set but the strategy is " + (strategy == null ? "custom" : strategy) + ", not LORA");
      }
      LoraConfig lora = strategy == Strategy.LORA ? get("lora", LoraConfig.defaults()) : null;
      String template = get("template", strategy == Strategy.CONNECTOR_ONLY ? "plain" : "vicuna_v1");
      try {
        ConversationTemplate.forName(template);
      } catch (IllegalArgumentException e) {
        problems.add("template: " + e.getMessage());
      }
      double lr = get("learningRate", strategy == null ? Strategy.LAYERNORM.defaultLearningRate()
          : strategy.defaultLearningRate());
      positive(problems, "learningRate", lr);
      double connectorLr = get("connectorLearningRate", lr);
      positive(problems, "connectorLearningRate", connectorLr);
      double wd = get("weightDecay", 0.0);
      if (!(wd >= 0)) {
        problems.add("weightDecay must be >= 0, got " + wd);
      }
      int batchSize = get("batchSize", 4);
      int accumulation = get("gradientAccumulation", 1);
      int workers = get("workers", 2);
      long maxSteps = get("maxSteps", 0L);
      long checkpointEvery = get("checkpointEvery", 0L);
      double maxGradNorm = get("maxGradNorm", 1.0);
      long evaluateEvery = get("evaluateEvery", 0L);
      atLeast(problems, "evaluation's every", evaluateEvery, values.containsKey("evaluation") ? 1 : 0);
      if (values.containsKey("exportMerged") && !values.containsKey("outputDir")) {
        problems.add("exportMerged needs an outputDir");
      }
      if (values.containsKey("exportFormat") && !values.containsKey("exportMerged")) {
        problems.add("exportFormat needs exportMerged (the tokenizer files to copy)");
      }
      DType exportDtype = get("exportDtype", null);
      if (exportDtype != null && !EXPORT_DTYPES.contains(exportDtype)) {
        problems.add("exportDtype must be one of " + EXPORT_DTYPES + ", got " + exportDtype);
      }
      atLeast(problems, "batchSize", batchSize, 1);
      atLeast(problems, "gradientAccumulation", accumulation, 1);
      atLeast(problems, "workers", workers, 1);
      atLeast(problems, "maxSteps", maxSteps, values.containsKey("maxSteps") ? 1 : 0);
      atLeast(problems, "checkpointEvery", checkpointEvery, 0);
      positive(problems, "maxGradNorm", maxGradNorm);
      Path data = get("trainData", null);
      Path root = get("imageRoot", null);
      if (data != null && !Files.isRegularFile(data)) {
        problems.add("trainData " + data + " is not a file");
      }
      if (root != null && !Files.isDirectory(root)) {
        problems.add("imageRoot " + root + " is not a directory");
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException("LayerNormTuner settings: " + String.join("; ", problems));
      }
      LlavaModel model = get("model", null);
      ImageTransform transform = get("imageTransform", null);
      if (transform == null) {
        transform = io.lntune.training.data.ClipTransform.forModel(model.config());
      }
      return new TunerSettings(model, get("tokenizer", null), data, root, selection, lora, template, lr, connectorLr,
          wd, get("schedule", LrSchedule.cosine(LrSchedule.Warmup.ratio(0.03))), batchSize, accumulation, maxSteps,
          maxGradNorm, get("seed", 42L), get("outputDir", null), checkpointEvery, get("nanPolicy", NanPolicy.STOP),
          transform, workers, get("baseModelName", "unknown"), evaluateEvery, get("evaluation", null),
          get("exportMerged", null), get("exportFormat", MergedLayout.ORIGINAL), exportDtype,
          get("activationRecomputation", false), listeners);
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
