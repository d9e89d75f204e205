package io.lntune.tools.demo;

import io.lntune.tools.ChartImages;
import java.awt.BasicStroke;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The gradient-variance chart, drawn by XChart: on the left each strategy's variance at every
 * measured step (log scale), on the right LAYERNORM's variance divided by each other strategy's
 * with its 95% interval and a dashed line at 1 (below the line LAYERNORM's is smaller). Each
 * strategy keeps its colour of the report's other charts.
 */
final class GradientVarianceChart {
  private GradientVarianceChart() {}

  /**
   * {@return the chart as PNG bytes}
   *
   * @param strategies the measured strategies, in the report's order (which gives their colours)
   * @param ratios LAYERNORM's ratio to each other strategy, by name ({@link
   *     GradientVarianceSection#ratios}); the right panel is left out when there are none
   */
  static byte[] png(
      List<DemoAnalyses.GradientVariance> strategies, Map<String, GeometricMean> ratios) {
    List<Chart<?, ?>> panels = new ArrayList<>();
    panels.add(perStep(strategies));
    if (!ratios.isEmpty()) {
      panels.add(ratios(strategies, ratios));
    }
    return ChartImages.png(panels, "the gradient-variance chart");
  }

  private static XYChart perStep(List<DemoAnalyses.GradientVariance> strategies) {
    XYChart chart =
        new XYChartBuilder()
            .width(DemoChart.SPLIT)
            .height(DemoChart.HEIGHT)
            .title("Gradient variance per measured step")
            .xAxisTitle("training step")
            .yAxisTitle("variance across micro-batches")
            .build();
    XYStyler styler = chart.getStyler();
    DemoChart.style(styler);
    styler.setYAxisLogarithmic(true);
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setXAxisDecimalPattern("#,##0");
    styler.setYAxisDecimalPattern("0.0E0");
    styler.setMarkerSize(6);
    for (int i = 0; i < strategies.size(); i++) {
      DemoAnalyses.GradientVariance g = strategies.get(i);
      XYSeries s = chart.addSeries(g.strategy(), g.steps(), g.variances());
      s.setLineColor(DemoChart.colour(i));
      s.setMarkerColor(DemoChart.colour(i));
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setLineStyle(new BasicStroke(2f));
    }
    return chart;
  }

  private static CategoryChart ratios(
      List<DemoAnalyses.GradientVariance> strategies, Map<String, GeometricMean> ratios) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(DemoChart.WIDTH - DemoChart.SPLIT)
            .height(DemoChart.HEIGHT)
            .title("LAYERNORM's variance / each other's")
            .yAxisTitle("ratio, geometric mean, 95% interval")
            .build();
    CategoryStyler styler = chart.getStyler();
    DemoChart.style(styler);
    // A linear scale: XChart draws error bars wrongly on a log scale. Markers, not bars: what
    // matters is where a ratio lies against 1, not its distance from 0.
    styler.setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
    styler.setYAxisMin(0.0);
    styler.setOverlapped(true);
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setXAxisLabelRotation(20); // long strategy names side by side would overlap
    styler.setYAxisDecimalPattern("0.0#");
    styler.setErrorBarsColor(DemoChart.NEUTRAL);
    styler.setMarkerSize(12);
    List<String> names = new ArrayList<>(ratios.keySet());
    List<GeometricMean> values = names.stream().map(ratios::get).toList();
    List<String> order = strategies.stream().map(DemoAnalyses.GradientVariance::strategy).toList();
    for (CategorySeries s :
        DemoChart.addColoured(
            chart,
            names,
            values.stream().map(GeometricMean::value).toList(),
            i -> DemoChart.colour(order.indexOf(names.get(i))))) {
      s.setMarker(SeriesMarkers.DIAMOND);
    }
    DemoChart.addIntervals(
        chart,
        names,
        values.stream().map(GeometricMean::low).toList(),
        values.stream().map(GeometricMean::high).toList());
    DemoChart.addLevel(chart, "equal variance", names, 1.0);
    return chart;
  }
}
