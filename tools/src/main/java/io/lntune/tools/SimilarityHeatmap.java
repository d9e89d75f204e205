package io.lntune.tools;

import io.lntune.training.analysis.LayerSimilarity;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * One model's layer × layer similarity as two heatmaps side by side, cosine on the left and linear
 * CKA on the right, drawn by XChart; as PNG (Java2D, no display needed) or SVG (XChart's
 * VectorGraphics2D backend). Both panels share one colour scale, from 0 (or the lowest value, if
 * below) to 1.
 *
 * <pre>{@code
 * byte[] png = SimilarityHeatmap.png("tiny-llava + layernorm", similarity);
 * }</pre>
 */
public final class SimilarityHeatmap {
  /** Width of one panel, in pixels; the image is two panels wide. */
  static final int PANEL_WIDTH = 560;

  /** Height of the image, in pixels. */
  static final int HEIGHT = 520;

  /** Up to this many layers, each cell shows its value (more would not fit). */
  private static final int LABELLED_LAYERS = 12;

  private SimilarityHeatmap() {}

  /**
   * {@return the heatmaps of {@code s} as PNG bytes, titled with {@code name}}
   *
   * @param name the model's name, in both panels' titles
   * @param s the similarity to draw
   */
  public static byte[] png(String name, LayerSimilarity s) {
    return ChartImages.png(panels(name, s), "the heatmap of " + name);
  }

  /** {@return the heatmaps of {@code s} as an SVG document, titled with {@code name}} */
  static byte[] svg(String name, LayerSimilarity s) {
    return ChartImages.svg(panels(name, s), "the heatmap of " + name);
  }

  private static List<HeatMapChart> panels(String name, LayerSimilarity s) {
    double low = Math.min(0, Math.min(min(s.cosine()), min(s.cka())));
    return List.of(
        chart(
            String.format(Locale.ROOT, "%s: cosine (mean %.4f)", name, s.meanCosine()),
            s.cosine(),
            low),
        chart(
            String.format(Locale.ROOT, "%s: linear CKA (mean %.4f)", name, s.meanCka()),
            s.cka(),
            low));
  }

  private static HeatMapChart chart(String title, double[][] m, double low) {
    HeatMapChart chart =
        new HeatMapChartBuilder()
            .width(PANEL_WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("layer")
            .yAxisTitle("layer")
            .build();
    chart
        .getStyler()
        .setMin(low)
        .setMax(1)
        .setShowValue(m.length <= LABELLED_LAYERS)
        .setHeatMapValueDecimalPattern("0.00")
        .setPlotContentSize(1)
        .setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendVisible(true);
    List<Integer> layers = new ArrayList<>();
    List<Number[]> cells = new ArrayList<>();
    for (int i = 0; i < m.length; i++) {
      layers.add(i);
      for (int j = 0; j < m.length; j++) {
        cells.add(new Number[] {i, j, m[i][j]});
      }
    }
    chart.addSeries(title, layers, layers, cells);
    return chart;
  }

  private static double min(double[][] m) {
    double low = Double.POSITIVE_INFINITY;
    for (double[] row : m) {
      for (double v : row) {
        low = Math.min(low, v);
      }
    }
    return low;
  }
}
