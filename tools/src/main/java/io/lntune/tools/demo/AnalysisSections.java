package io.lntune.tools.demo;

import io.lntune.tools.SimilarityHeatmap;
import io.lntune.training.analysis.LayerSimilarity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The report's analysis sections, in order: layer similarity, gradient variance, the connector
 * ablation, the data-type ablation and the paper-scale table.
 */
final class AnalysisSections {
  private AnalysisSections() {}

  /**
   * {@return every analysis section of {@code a}; {@code chance} is the held-out chance accuracy}
   */
  static List<ReportSection> of(DemoAnalyses a, double chance) {
    return List.of(
        similarity(a.similarity()),
        GradientVarianceSection.of(a.gradientVariance()),
        DemoAblations.connectorSection(a.connectorAblation(), chance),
        DemoAblations.dataTypeSection(a.dataTypeAblation(), chance),
        PaperScale.section(a.paperScale()));
  }

  /** {@return the layer-similarity section: the paper's Table 6 layout and a heatmap per model} */
  static ReportSection similarity(List<DemoAnalyses.Similarity> models) {
    String title = "Layer similarity: LAYERNORM against FULL (the paper's Table 6)";
    String protocol =
        "Every decoder layer's output on held-out samples (the whole conversation with its "
            + "picture, as training reads it), mean-pooled over the positions; per pair of layers "
            + "the cosine (per sample, averaged) and linear CKA (over the samples), averaged over "
            + "all pairs of distinct layers. Measured on the stage-2 models of the strategy "
            + "comparison. The paper finds the layers of a LayerNorm-tuned model less alike than "
            + "those of a fully finetuned one: a more expressive model. One measurement, without an "
            + "interval: compare the two columns, not their last digits.";
    if (models.isEmpty()) {
      return new ReportSection(
          title,
          List.of(protocol, "Not measured: neither LAYERNORM nor FULL was among --strategies."),
          List.of(),
          List.of(),
          List.of(),
          List.of());
    }
    List<String> headers = new ArrayList<>(List.of("measure (mean over pairs of layers)"));
    models.forEach(m -> headers.add(m.strategy()));
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("cosine", models, LayerSimilarity::meanCosine));
    rows.add(row("linear CKA", models, LayerSimilarity::meanCka));
    List<ReportSection.Figure> figures = new ArrayList<>();
    for (DemoAnalyses.Similarity m : models) {
      figures.add(
          new ReportSection.Figure(
              "similarity-" + m.strategy().toLowerCase(Locale.ROOT) + ".png",
              SimilarityHeatmap.png(m.strategy(), m.similarity()),
              m.strategy()
                  + ": cosine (left) and linear CKA (right) between every two decoder layers."));
    }
    return new ReportSection(
        title,
        List.of(
            protocol,
            String.format(
                Locale.ROOT,
                "%d held-out samples, %d decoder layers.",
                models.get(0).similarity().samples(),
                models.get(0).similarity().cosine().length)),
        headers,
        rows,
        List.of(similarityFinding(models)),
        figures);
  }

  private static List<String> row(
      String measure,
      List<DemoAnalyses.Similarity> models,
      ToDoubleFunction<LayerSimilarity> mean) {
    List<String> row = new ArrayList<>(List.of(measure));
    models.forEach(
        m -> row.add(String.format(Locale.ROOT, "%.4f", mean.applyAsDouble(m.similarity()))));
    return row;
  }

  /**
   * {@return the verdict on "LAYERNORM's layers are less alike than FULL's": agrees when both
   * measures are lower, does not when both are higher, inconclusive when they disagree or a model
   * is missing}
   */
  static String similarityFinding(List<DemoAnalyses.Similarity> models) {
    String claim =
        "Paper: a LayerNorm-tuned model's layers are less alike than a fully finetuned one's.";
    Optional<LayerSimilarity> ln = find(models, "LAYERNORM");
    Optional<LayerSimilarity> full = find(models, "FULL");
    if (ln.isEmpty() || full.isEmpty()) {
      return claim + " Demo: LAYERNORM and FULL were not both measured: inconclusive.";
    }
    double cosine = ln.get().meanCosine() - full.get().meanCosine();
    double cka = ln.get().meanCka() - full.get().meanCka();
    Verdict v =
        cosine < 0 && cka < 0
            ? Verdict.AGREES
            : cosine > 0 && cka > 0 ? Verdict.DOES_NOT_AGREE : Verdict.INCONCLUSIVE;
    return String.format(
        Locale.ROOT,
        "%s Demo: LAYERNORM minus FULL is %+.4f in mean cosine and %+.4f in mean linear CKA: %s.",
        claim,
        cosine,
        cka,
        v.words());
  }

  private static Optional<LayerSimilarity> find(
      List<DemoAnalyses.Similarity> models, String strategy) {
    return models.stream()
        .filter(m -> m.strategy().equals(strategy))
        .map(DemoAnalyses.Similarity::similarity)
        .findFirst();
  }
}
