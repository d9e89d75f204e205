package io.lntune.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.analysis.LayerSimilarity;
import io.lntune.training.analysis.Pooling;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.LlavaVocabulary;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.data.Subset;
import io.lntune.training.export.Adapters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune analyze similarity}: how alike a LLaVA model's decoder layers are, for the base
 * model and for each adapter on top of it ({@link LayerStates}, {@link LayerSimilarity}), written
 * as a {@link SimilarityReport}.
 *
 * <pre>{@code
 * lntune analyze similarity --model /models/llava-v1-llama2-7b --adapter finetune=runs/full \
 *     --adapter layernorm=runs/ln --data eval.json --images coco/val2014 --samples 1000 --out runs/similarity
 * }</pre>
 */
@Command(
    name = "similarity",
    mixinStandardHelpOptions = true,
    description = {
      "Measure how alike a LLaVA model's decoder layers are, for the base model and with each --adapter "
          + "applied: every decoder layer's output on --samples samples with an image from --data (the whole "
          + "conversation, as training reads it), pooled per sample, compared between every two layers by cosine "
          + "(per sample, averaged) and linear CKA (over the samples).",
      "Writes to --out similarity.json, per model NAME-cosine.csv, NAME-cka.csv and NAME-heatmap.png/.svg, and "
          + "table.csv/table.md (the paper's Table 6 layout: the mean similarity over all pairs of layers, models in "
          + "columns); prints the table."
    })
final class SimilarityCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(SimilarityCommand.class);
  private static final String BASE = "base";

  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "DIR|ID",
      description = "LLaVA model directory, or model id in the Hugging Face cache.")
  Path model;

  @Option(
      names = "--adapter",
      paramLabel = "[LABEL=]PATH",
      description =
          "A training result to measure on top of "
              + "the model, as lntune eval takes it (PEFT adapter directory, trainable-delta .safetensors, or a run directory "
              + "of lntune train); repeat for several. LABEL names its column and files (default: the run directory's name).")
  List<String> adapters = new ArrayList<>();

  @Option(
      names = "--vision-tower",
      converter = ModelPathConverter.class,
      paramLabel = "DIR|ID",
      description = LlavaOptions.VISION_TOWER_HELP)
  Path visionTower;

  @Option(
      names = "--tokenizer",
      converter = ModelPathConverter.class,
      paramLabel = "FILE|DIR|ID",
      description = "Tokenizer (default: the model directory).")
  Path tokenizer;

  @Option(
      names = "--template",
      defaultValue = "vicuna_v1",
      description =
          "Conversation template the samples are " + "rendered with. Default: ${DEFAULT-VALUE}.")
  String template;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "FILE.json",
      description = "Held-out LLaVA JSON samples.")
  Path data;

  @Option(
      names = "--images",
      required = true,
      paramLabel = "DIR",
      description = "The folder --data's image paths " + "are relative to.")
  Path images;

  @Option(
      names = "--samples",
      defaultValue = "1000",
      paramLabel = "N",
      description =
          "Samples with an image to "
              + "measure, drawn at random with --seed (--data must hold at least N). Default: ${DEFAULT-VALUE}.")
  int samples;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Fixes which samples are drawn. " + "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--pooling",
      defaultValue = "mean",
      description =
          "How a layer's states over a sample become one "
              + "vector: mean (over the real positions, text and image) or last (the last position). Default: "
              + "${DEFAULT-VALUE}.")
  String pooling;

  @Option(
      names = "--batch-size",
      defaultValue = "8",
      description = "Samples per forward pass. " + "Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description =
          "Output directory: a new one, or an "
              + "earlier analysis's, which is replaced when the new one is complete.")
  Path out;

  @Mixin PlacementOptions placementOptions;

  /** A model to measure: the base model (no adapter) or the base with an adapter. */
  private record Variant(String name, Path adapter) {}

  @Override
  public Integer call() {
    Pooling how = parsePooling(pooling);
    List<Variant> variants = new ArrayList<>(List.of(new Variant(BASE, null)));
    LabelledPath.parseAll(adapters, "--adapter", Set.of(BASE))
        .forEach(a -> variants.add(new Variant(a.label(), a.path())));
    if (samples < 2 || batchSize < 1) {
      throw new IllegalArgumentException(
          "--samples must be >= 2 and --batch-size >= 1, got " + samples + " and " + batchSize);
    }
    AnalysisOutput.check(out, "similarity.json");
    ConversationTemplate chat = ConversationTemplate.forName(template);
    Tokenizer tok = LlavaOptions.tokenizer(tokenizer, model);
    List<SimilarityReport.Model> measured = new ArrayList<>();
    try (LlavaDataset dataset =
        LlavaDataset.open(
            data,
            SampleFilter.withImage(),
            Subset.random(samples),
            seed,
            BadRowPolicy.FAIL,
            new DataStats())) {
      for (Variant v : variants) {
        log.info("measuring {} on {} samples", v.name(), dataset.size());
        measured.add(
            new SimilarityReport.Model(v.name(), v.adapter(), measure(v, dataset, tok, chat, how)));
      }
    }
    String backbone = model.toAbsolutePath().normalize().getFileName().toString();
    SimilarityReport report = new SimilarityReport(backbone, protocol(how), measured);
    AnalysisOutput.write(out, report::write);
    spec.commandLine().getOut().print(report.tableMarkdown());
    spec.commandLine().getOut().println("written to " + out);
    return 0;
  }

  private LayerSimilarity measure(
      Variant v, LlavaDataset dataset, Tokenizer tok, ConversationTemplate chat, Pooling how) {
    try (LlavaModel llava =
        LlavaOptions.loadBase(model, placementOptions.placement(), visionTower)) {
      // As training fits them (pad token, image markup, grown embeddings), so that a trained delta
      // fits the model.
      Tokenizer fitted = LlavaVocabulary.forTraining(llava, tok, chat);
      if (v.adapter() != null) {
        Adapters.apply(llava, llava.languageModel().blockLinears(), v.adapter());
      }
      return SimilarityProbe.measure(llava, fitted, chat, dataset, images, batchSize, how);
    }
  }

  /** {@return what was measured and how, for similarity.json} */
  private ObjectNode protocol(Pooling how) {
    ObjectNode p = new ObjectMapper().createObjectNode();
    p.put("model", model.toString())
        .put("data", data.toString())
        .put("images", images.toString())
        .put("samples", samples)
        .put("seed", seed)
        .put("selection", "samples with an image, drawn at random with the seed")
        .put(
            "input",
            "the whole conversation rendered with the template, images spliced in, truncated to the "
                + "model's maximum length")
        .put("template", template)
        .put(
            "states",
            "the output of every decoder layer: the residual stream before the final norm")
        .put("pooling", how.name().toLowerCase(Locale.ROOT))
        .put(
            "cosine",
            "per sample, the cosine between two layers' pooled states; averaged over the samples")
        .put(
            "cka",
            "linear CKA (Kornblith et al. 2019) between two layers' pooled states over the samples")
        .put("mean", "over the L(L-1)/2 pairs of distinct layers")
        .put("dtype", placementOptions.dtype)
        .put("device", placementOptions.device);
    return p;
  }

  private static Pooling parsePooling(String name) {
    try {
      return Pooling.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--pooling must be mean or last, got '" + name + "'", e);
    }
  }
}
