package io.lntune.tools;

import io.lntune.training.optim.GradientNoise;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lntune analyze gradients}: the gradient statistics that training runs recorded ({@link
 * GradientNoise}, every {@code --gradient-stats-every} steps), for several runs on one chart.
 *
 * <pre>{@code
 * lntune analyze gradients layernorm=runs/ln full=runs/full lora=runs/lora --out runs/gradients
 * }</pre>
 */
@Command(
    name = "gradients",
    mixinStandardHelpOptions = true,
    description = {
      "Compare the gradient statistics of training runs: per measured step, the variance of the "
          + "gradient across the step's micro-batches (per element, averaged over the group's elements) and the norm of "
          + "the step's gradient, as the runs' metrics.jsonl recorded them.",
      "Writes to --out gradients.csv, gradients.png/.svg (variance and norm against the step, one line per run) and "
          + "table.md (the mean of each over the measured steps); prints the table."
    })
final class GradientsCommand implements Callable<Integer> {
  static final int PANEL_WIDTH = 600;
  static final int HEIGHT = 480;

  @Spec CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "[LABEL=]RUN_DIR",
      description =
          "Output directories of training runs "
              + "(lntune train --out), trained with gradient statistics on; LABEL names the run (default: the directory's "
              + "name).")
  List<String> runs = new ArrayList<>();

  @Option(
      names = "--group",
      defaultValue = GradientNoise.ALL,
      description =
          "The optimizer group to compare: "
              + "'all' (every trainable tensor together), or a group's name (no_decay, decay, connector, ...). "
              + "Default: ${DEFAULT-VALUE}.")
  String group;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description =
          "Output directory: a new one, or an "
              + "earlier analysis's, which is replaced when the new one is complete.")
  Path out;

  @Override
  public Integer call() {
    AnalysisOutput.check(out, "gradients.csv");
    List<GradientHistory> histories = new ArrayList<>();
    for (LabelledPath run : LabelledPath.parseAll(runs, "RUN_DIR", Set.of())) {
      histories.add(GradientHistory.read(run.label(), run.path(), group));
    }
    String table = table(histories);
    List<XYChart> panels =
        List.of(
            chart(
                "Gradient variance across micro-batches",
                "variance per element",
                histories,
                GradientHistory.Point::variance,
                true),
            chart("Gradient norm", "L2 norm", histories, GradientHistory.Point::norm, false));
    AnalysisOutput.write(
        out,
        dir -> {
          Files.writeString(dir.resolve("gradients.csv"), csv(histories), StandardCharsets.UTF_8);
          Files.write(dir.resolve("gradients.png"), ChartImages.png(panels, "the gradient chart"));
          Files.write(dir.resolve("gradients.svg"), ChartImages.svg(panels, "the gradient chart"));
          Files.writeString(dir.resolve("table.md"), table, StandardCharsets.UTF_8);
        });
    spec.commandLine().getOut().print(table);
    spec.commandLine().getOut().println("written to " + out);
    return 0;
  }

  private XYChart chart(
      String title,
      String yTitle,
      List<GradientHistory> histories,
      ToDoubleFunction<GradientHistory.Point> value,
      boolean logarithmic) {
    XYChart chart =
        new XYChartBuilder()
            .width(PANEL_WIDTH)
            .height(HEIGHT)
            .title(title + " (" + group + ")")
            .xAxisTitle("training step")
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setYAxisLogarithmic(logarithmic);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    for (int r = 0; r < histories.size(); r++) {
      List<Long> steps = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (GradientHistory.Point p : histories.get(r).points()) {
        double v = value.applyAsDouble(p);
        if (Double.isFinite(v) && (!logarithmic || v > 0)) { // a log axis cannot show 0
          steps.add(p.step());
          values.add(v);
        }
      }
      if (steps.isEmpty()) {
        continue;
      }
      XYSeries s = chart.addSeries(histories.get(r).label(), steps, values);
      s.setLineColor(ChartImages.colour(r));
      s.setMarkerColor(ChartImages.colour(r));
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setLineStyle(new BasicStroke(2f));
    }
    return chart;
  }

  private String table(List<GradientHistory> histories) {
    StringBuilder out =
        new StringBuilder(
            "| run | measured steps | mean variance ("
                + group
                + ") | mean norm |\n"
                + "|---|---:|---:|---:|\n");
    for (GradientHistory h : histories) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.4g | %.4g |%n",
              h.label(),
              h.points().size(),
              h.meanVariance(),
              h.meanNorm()));
    }
    return out.toString();
  }

  private String csv(List<GradientHistory> histories) {
    StringBuilder out = new StringBuilder("run,step,group,norm,variance\n");
    for (GradientHistory h : histories) {
      for (GradientHistory.Point p : h.points()) {
        out.append(h.label())
            .append(',')
            .append(p.step())
            .append(',')
            .append(group)
            .append(',')
            .append(p.norm())
            .append(',')
            .append(Double.isNaN(p.variance()) ? "" : Double.toString(p.variance()))
            .append('\n');
      }
    }
    return out.toString();
  }
}
