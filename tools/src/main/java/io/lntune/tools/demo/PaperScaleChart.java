package io.lntune.tools.demo;

import io.lntune.tools.ChartImages;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * The paper-scale chart, drawn by XChart: per strategy, the trainable share (log scale: from
 * LAYERNORM_SIMPLE's thousandths of a percent to FULL's hundred) and the estimated training memory
 * with activation recomputation, one bar per preset.
 */
final class PaperScaleChart {
  private static final double GIB = 1024.0 * 1024 * 1024;

  private PaperScaleChart() {}

  /** {@return the chart of {@code rows} as PNG bytes} */
  static byte[] png(List<PaperScale.Row> rows) {
    return ChartImages.png(
        List.of(
            panel(
                rows,
                "Trainable share",
                "trainable parameters (%), log scale",
                PaperScale.Row::trainablePercent,
                true),
            panel(
                rows,
                "Training memory, recomputed",
                "estimated memory (GiB)",
                r -> r.memoryBytes(true) / GIB,
                false)),
        "the paper-scale chart");
  }

  private static CategoryChart panel(
      List<PaperScale.Row> rows,
      String title,
      String axis,
      ToDoubleFunction<PaperScale.Row> value,
      boolean logarithmic) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(DemoChart.WIDTH / 2)
            .height(DemoChart.HEIGHT)
            .title(title)
            .yAxisTitle(axis)
            .build();
    CategoryStyler styler = chart.getStyler();
    DemoChart.style(styler);
    if (logarithmic) {
      // XChart starts bars at 0, which a log scale cannot show: they start at the decade below the
      // smallest value instead, and the axis ends at the decade above the largest.
      styler.setYAxisLogarithmic(true);
      double smallest = rows.stream().mapToDouble(value).min().orElse(1);
      double largest = rows.stream().mapToDouble(value).max().orElse(1);
      styler.setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
      styler.setYAxisMax(Math.pow(10, Math.ceil(Math.log10(largest))));
    }
    styler.setLegendPosition(Styler.LegendPosition.InsideNW);
    styler.setXAxisLabelRotation(20); // long strategy names side by side would overlap
    styler.setYAxisDecimalPattern(logarithmic ? "0.###" : "0");
    List<String> strategies = rows.stream().map(PaperScale.Row::strategy).distinct().toList();
    List<String> presets = rows.stream().map(PaperScale.Row::preset).distinct().toList();
    for (int p = 0; p < presets.size(); p++) {
      String preset = presets.get(p);
      List<Double> values =
          strategies.stream()
              .map(
                  s ->
                      rows.stream()
                          .filter(r -> r.preset().equals(preset) && r.strategy().equals(s))
                          .findFirst()
                          .map(value::applyAsDouble)
                          .orElse(null))
              .toList();
      CategorySeries bars = chart.addSeries(preset, strategies, values);
      bars.setFillColor(DemoChart.colour(p));
    }
    return chart;
  }
}
