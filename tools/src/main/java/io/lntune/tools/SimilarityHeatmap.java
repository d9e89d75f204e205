package io.lntune.tools;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import io.lntune.training.analysis.LayerSimilarity;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * One model's layer × layer similarity as two heatmaps side by side, cosine on the left and linear CKA on the
 * right, drawn by XChart; as PNG (Java2D, no display needed) or SVG (XChart's VectorGraphics2D backend). Both panels
 * share one colour scale, from 0 (or the lowest value, if below) to 1.
 *
 * <pre>{@code
 * byte[] png = SimilarityHeatmap.png("tiny-llava + layernorm", similarity);
 * }</pre>
 */
final class SimilarityHeatmap {
  /** Width of one panel, in pixels; the image is two panels wide. */
  static final int PANEL_WIDTH = 560;
  /** Height of the image, in pixels. */
  static final int HEIGHT = 520;
  /** Up to this many layers, each cell shows its value (more would not fit). */
  private static final int LABELLED_LAYERS = 12;

  private SimilarityHeatmap() {}

  /** {@return the heatmaps of {@code s} as PNG bytes, titled with {@code name}} */
  static byte[] png(String name, LayerSimilarity s) {
    BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      paint(g, name, s);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding the heatmap of " + name + " as PNG", e);
    }
    return bytes.toByteArray();
  }

  /** {@return the heatmaps of {@code s} as an SVG document, titled with {@code name}} */
  static byte[] svg(String name, LayerSimilarity s) {
    VectorGraphics2D g = new VectorGraphics2D();
    paint(g, name, s);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      new SVGProcessor().getDocument(g.getCommands(), new PageSize(2 * PANEL_WIDTH, HEIGHT)).writeTo(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding the heatmap of " + name + " as SVG", e);
    }
    return bytes.toByteArray();
  }

  private static void paint(Graphics2D g, String name, LayerSimilarity s) {
    double low = Math.min(0, Math.min(min(s.cosine()), min(s.cka())));
    chart(String.format(Locale.ROOT, "%s: cosine (mean %.4f)", name, s.meanCosine()), s.cosine(), low)
        .paint(g, PANEL_WIDTH, HEIGHT);
    g.translate(PANEL_WIDTH, 0);
    chart(String.format(Locale.ROOT, "%s: linear CKA (mean %.4f)", name, s.meanCka()), s.cka(), low)
        .paint(g, PANEL_WIDTH, HEIGHT);
  }

  private static HeatMapChart chart(String title, double[][] m, double low) {
    HeatMapChart chart = new HeatMapChartBuilder().width(PANEL_WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("layer").yAxisTitle("layer").build();
    chart.getStyler().setMin(low).setMax(1).setShowValue(m.length <= LABELLED_LAYERS)
        .setHeatMapValueDecimalPattern("0.00").setPlotContentSize(1).setChartBackgroundColor(Color.WHITE);
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
