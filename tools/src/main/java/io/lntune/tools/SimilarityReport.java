package io.lntune.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.training.analysis.LayerSimilarity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What {@code lntune analyze similarity} writes: {@code similarity.json} (the protocol, and per
 * model both matrices and their means), per model {@code NAME-cosine.csv} and {@code NAME-cka.csv}
 * (the L × L matrices) and {@code NAME-heatmap.png}/{@code .svg}, and the side-by-side table in the
 * paper's Table 6 layout ({@code table.csv}, {@code table.md}: the backbone by measure in rows, the
 * models — base and adapters — in columns).
 *
 * <pre>{@code
 * SimilarityReport r = new SimilarityReport("tiny-llava", protocol, List.of(new SimilarityReport.Model("base", null, s)));
 * r.write(dir);
 * }</pre>
 *
 * @param backbone the row name: the base model's directory name
 * @param protocol how the states were collected and compared, for {@code similarity.json}
 * @param models the measured models, base first, in column order
 */
record SimilarityReport(String backbone, ObjectNode protocol, List<Model> models) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One measured model.
   *
   * @param name its column and file name: {@code base}, or the adapter's label
   * @param adapter the adapter applied to the base model, or null for the base model
   * @param similarity its measures
   */
  record Model(String name, Path adapter, LayerSimilarity similarity) {}

  /** Writes every file into {@code dir}, which exists. */
  void write(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("backbone", backbone);
    root.set("protocol", protocol);
    ArrayNode list = root.putArray("models");
    for (Model m : models) {
      LayerSimilarity s = m.similarity();
      ObjectNode n =
          list.addObject()
              .put("name", m.name())
              .put("adapter", m.adapter() == null ? null : m.adapter().toString())
              .put("samples", s.samples())
              .put("layers", s.layers())
              .put("mean_cosine", s.meanCosine())
              .put("mean_cka", s.meanCka());
      n.set("cosine", JSON.valueToTree(s.cosine()));
      n.set("cka", JSON.valueToTree(s.cka()));
      Files.writeString(
          dir.resolve(m.name() + "-cosine.csv"), csv(s.cosine()), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(m.name() + "-cka.csv"), csv(s.cka()), StandardCharsets.UTF_8);
      String title = m.adapter() == null ? backbone : backbone + " + " + m.name();
      Files.write(dir.resolve(m.name() + "-heatmap.png"), SimilarityHeatmap.png(title, s));
      Files.write(dir.resolve(m.name() + "-heatmap.svg"), SimilarityHeatmap.svg(title, s));
    }
    Files.writeString(
        dir.resolve("similarity.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root),
        StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("table.csv"), tableCsv(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("table.md"), tableMarkdown(), StandardCharsets.UTF_8);
  }

  /** {@return the Table 6 layout as Markdown: one row per measure, one column per model} */
  String tableMarkdown() {
    StringBuilder out = new StringBuilder("| model | measure |");
    models.forEach(m -> out.append(' ').append(m.name()).append(" |"));
    out.append("\n|---|---|").append("---:|".repeat(models.size())).append('\n');
    for (Measure measure : Measure.values()) {
      out.append("| ").append(backbone).append(" | ").append(measure.label).append(" |");
      models.forEach(
          m -> out.append(' ').append(format(measure.mean.apply(m.similarity()))).append(" |"));
      out.append('\n');
    }
    return out.toString();
  }

  private String tableCsv() {
    StringBuilder out = new StringBuilder("model,measure");
    models.forEach(m -> out.append(',').append(m.name()));
    out.append('\n');
    for (Measure measure : Measure.values()) {
      boolean plain = backbone.chars().noneMatch(c -> c == ',' || c == '"');
      out.append(plain ? backbone : '"' + backbone.replace("\"", "\"\"") + '"')
          .append(',')
          .append(measure.label);
      models.forEach(m -> out.append(',').append(measure.mean.apply(m.similarity())));
      out.append('\n');
    }
    return out.toString();
  }

  /** The two measures' means, as the table names them. */
  private enum Measure {
    COSINE("cosine", LayerSimilarity::meanCosine),
    CKA("linear_cka", LayerSimilarity::meanCka);

    final String label;
    final Function<LayerSimilarity, Double> mean;

    Measure(String label, Function<LayerSimilarity, Double> mean) {
      this.label = label;
      this.mean = mean;
    }
  }

  private static String csv(double[][] m) {
    List<String> header = new ArrayList<>(List.of("layer"));
    for (int j = 0; j < m.length; j++) {
      header.add(Integer.toString(j));
    }
    StringBuilder out = new StringBuilder(String.join(",", header)).append('\n');
    for (int i = 0; i < m.length; i++) {
      out.append(i);
      for (double v : m[i]) {
        out.append(',').append(v);
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String format(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
