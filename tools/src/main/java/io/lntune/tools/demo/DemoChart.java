package io.lntune.tools.demo;

import io.lntune.tools.ChartImages;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.None;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The demo's chart, drawn by XChart: stage-2 training loss per step on the left, held-out accuracy
 * per strategy on the right (bars with their 95% intervals, a dashed line at chance). Each strategy
 * keeps its colour in both panels. The analysis sections' charts share its style, colours, interval
 * bars and reference lines.
 */
final class DemoChart {
  static final int WIDTH = 1200;
  static final int HEIGHT = 520;

  /** Where the loss panel ends and the accuracy panel begins, in pixels from the left. */
  static final int SPLIT = 620;

  /** The colour of what belongs to no strategy: intervals and reference lines. */
  static final Color NEUTRAL = new Color(0x444444);

  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

  private DemoChart() {}

  /** {@return the colour of the run at {@code index}} */
  static Color colour(int index) {
    return ChartImages.colour(index);
  }

  /** {@return the chart as PNG bytes} */
  static byte[] png(List<DemoRun> runs, double chanceAccuracy) {
    return ChartImages.png(
        List.of(losses(runs), accuracies(runs, chanceAccuracy, "Held-out accuracy")),
        "the demo chart");
  }

  /** {@return the accuracy panel alone, titled {@code title}, as PNG bytes} */
  static byte[] accuracyPng(List<DemoRun> runs, double chanceAccuracy, String title) {
    return ChartImages.png(
        List.of(accuracies(runs, chanceAccuracy, title)), "the chart of " + title);
  }

  private static XYChart losses(List<DemoRun> runs) {
    XYChart chart =
        new XYChartBuilder()
            .width(SPLIT)
            .height(HEIGHT)
            .title("Stage-2 training loss")
            .xAxisTitle("training step")
            .yAxisTitle("loss")
            .build();
    XYStyler styler = chart.getStyler();
    style(styler);
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setYAxisMin(0.0);
    styler.setXAxisMin(0.0);
    styler.setXAxisDecimalPattern("#,##0");
    styler.setMarkerSize(8);
    for (int r = 0; r < runs.size(); r++) {
      List<Double> losses = runs.get(r).losses();
      // Step s + 1, so that a run's first loss sits right of the origin.
      List<Integer> steps = IntStream.rangeClosed(1, losses.size()).boxed().toList();
      XYSeries s = chart.addSeries(runs.get(r).strategy(), steps, losses);
      s.setLineColor(colour(r));
      s.setLineStyle(new BasicStroke(2.5f));
      s.setMarker(new None());
      // Only the end of each run is marked (all that shows of a single-step run): a marker series
      // of one point.
      XYSeries end =
          chart.addSeries(
              runs.get(r).strategy() + " (end)",
              List.of(losses.size()),
              List.of(losses.get(losses.size() - 1)));
      end.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      end.setMarker(SeriesMarkers.CIRCLE);
      end.setMarkerColor(colour(r));
      end.setShowInLegend(false);
    }
    return chart;
  }

  private static CategoryChart accuracies(List<DemoRun> runs, double chanceAccuracy, String title) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH - SPLIT)
            .height(HEIGHT)
            .title(title)
            .yAxisTitle("held-out accuracy (%), 95% interval")
            .build();
    CategoryStyler styler = chart.getStyler();
    style(styler);
    styler.setOverlapped(true);
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setXAxisLabelRotation(20); // long strategy names side by side would overlap
    styler.setYAxisMin(0.0);
    styler.setYAxisMax(100.0);
    styler.setYAxisDecimalPattern("0");
    styler.setErrorBarsColor(NEUTRAL);
    styler.setAvailableSpaceFill(0.6);
    List<String> names = runs.stream().map(DemoRun::strategy).toList();
    addColoured(
        chart,
        names,
        runs.stream().map(r -> 100 * r.heldOutAccuracy()).toList(),
        DemoChart::colour);
    List<Proportion.Interval> intervals =
        runs.stream().map(run -> run.heldOut().interval()).toList();
    addIntervals(
        chart,
        names,
        intervals.stream().map(ci -> 100 * ci.low()).toList(),
        intervals.stream().map(ci -> 100 * ci.high()).toList());
    addLevel(chart, "chance: " + DemoTable.accuracy(chanceAccuracy), names, 100 * chanceAccuracy);
    return chart;
  }

  /**
   * Adds one series per category, present only at its own category, so that each bar or marker has
   * the colour {@code colours} gives its index; none in the legend. {@return the series, in the
   * categories' order}
   */
  static List<CategorySeries> addColoured(
      CategoryChart chart, List<String> names, List<Double> values, IntFunction<Color> colours) {
    List<CategorySeries> added = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      CategorySeries s =
          chart.addSeries(names.get(i), names, onlyAt(i, names.size(), values.get(i)));
      s.setFillColor(colours.apply(i));
      s.setMarkerColor(colours.apply(i));
      s.setShowInLegend(false);
      added.add(s);
    }
    return added;
  }

  /**
   * Adds a 95% interval per category, {@code lows[i]} to {@code highs[i]}. XChart's error bars are
   * symmetric and these intervals need not be: they hang on unmarked points at their centres.
   */
  static void addIntervals(
      CategoryChart chart, List<String> names, List<Double> lows, List<Double> highs) {
    List<Double> centres = new ArrayList<>();
    List<Double> halves = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      centres.add((lows.get(i) + highs.get(i)) / 2);
      halves.add((highs.get(i) - lows.get(i)) / 2);
    }
    CategorySeries interval = chart.addSeries("95% interval", names, centres, halves);
    interval.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
    interval.setMarker(new None());
    interval.setShowInLegend(false);
  }

  /** Adds a dashed line at {@code value} across every category, in the legend as {@code name}. */
  static void addLevel(CategoryChart chart, String name, List<String> names, double value) {
    CategorySeries level = chart.addSeries(name, names, Collections.nCopies(names.size(), value));
    level.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
    level.setLineColor(NEUTRAL);
    level.setLineStyle(
        new BasicStroke(
            1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {8, 6}, 0));
    level.setMarker(new None());
  }

  /** {@return {@code size} values, null but for {@code value} at {@code index}} */
  private static List<Double> onlyAt(int index, int size, double value) {
    List<Double> out = new ArrayList<>(Collections.nCopies(size, (Double) null));
    out.set(index, value);
    return out;
  }

  /** Gives {@code styler} the look of every chart of the report: white, large type, smooth. */
  static void style(AxesChartStyler styler) {
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setPlotBorderVisible(false);
    styler.setChartTitleFont(TITLE);
    styler.setAxisTitleFont(LABEL);
    styler.setLegendFont(LABEL);
    styler.setAntiAlias(true);
  }
}
