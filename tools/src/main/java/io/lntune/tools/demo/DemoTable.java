package io.lntune.tools.demo;

import io.lntune.torch.ByteSize;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The numbers of a demo as people read them: one formatting for the Markdown, HTML and console
 * tables.
 */
final class DemoTable {
  static final List<String> HEADERS =
      List.of(
          "strategy",
          "trainable params",
          "trainable share",
          "peak memory",
          "ms/step",
          "held-out accuracy",
          "95% interval",
          "final loss");
  static final String DIFFERENCES_INTRO =
      "Each strategy's held-out accuracy minus the first one's, with the 95% "
          + "interval of the difference (Newcombe's method from two Wilson intervals). An interval that excludes 0 is a "
          + "real difference; the questions are the same for every strategy, so this unpaired interval is conservative.";

  private DemoTable() {}

  /** {@return one row of formatted cells per run, in the order of {@link #HEADERS}} */
  static List<List<String>> rows(List<DemoRun> runs) {
    List<List<String>> rows = new ArrayList<>(runs.size());
    for (DemoRun run : runs) {
      rows.add(
          List.of(
              run.strategy(),
              String.format(Locale.ROOT, "%,d", run.trainableParameters()),
              share(run.trainablePercent()),
              ByteSize.format(run.peakMemoryBytes()),
              String.format(Locale.ROOT, "%,.1f", run.msPerStep()),
              accuracy(run.heldOutAccuracy()),
              interval(run.heldOut().interval()),
              String.format(Locale.ROOT, "%.4f", run.finalLoss())));
    }
    return rows;
  }

  /**
   * {@return one line per run after the first: its accuracy minus the first one's, in points, with
   * the difference's 95% interval and whether it is real}
   */
  static List<String> differenceLines(List<DemoRun> runs) {
    List<String> lines = new ArrayList<>();
    DemoRun first = runs.get(0);
    for (DemoRun run : runs.subList(1, runs.size())) {
      Proportion.Interval d = run.heldOut().difference(first.heldOut());
      lines.add(
          String.format(
              Locale.ROOT,
              "%s - %s: %+.1f points (%+.1f to %+.1f): %s",
              run.strategy(),
              first.strategy(),
              100 * (run.heldOut().value() - first.heldOut().value()),
              100 * d.low(),
              100 * d.high(),
              d.excludesZero() ? "real" : "within noise"));
    }
    return lines;
  }

  /** {@return an interval of shares as percents: {@code 82.2-91.3%}} */
  static String interval(Proportion.Interval ci) {
    return String.format(Locale.ROOT, "%.1f\u2013%.1f%%", 100 * ci.low(), 100 * ci.high());
  }

  /** {@return a share in [0, 1] as a percent with one decimal: {@code 87.5%}} */
  static String accuracy(double share) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  /**
   * {@return a trainable share, already in percent, to three significant digits without trailing
   * zeros: {@code 0.0042%}, {@code 3.78%}, {@code 100%}} A fixed number of decimals would print the
   * LayerNorm shares, thousandths of a percent, as zero.
   */
  static String share(double percent) {
    BigDecimal rounded = new BigDecimal(percent).round(new MathContext(3)).stripTrailingZeros();
    return rounded.toPlainString() + "%";
  }

  /** {@return the setup as short lines of plain text, the stages' times last if there are any} */
  static List<String> setupLines(DemoSetup setup) {
    List<String> lines = new ArrayList<>();
    lines.add("World: " + setup.worldSummary());
    lines.add(
        "Seed "
            + setup.seed()
            + ", "
            + (setup.quick() ? "quick mode" : "full mode")
            + ", finished in "
            + elapsed(setup.elapsedMillis()));
    if (!setup.stages().isEmpty()) {
      lines.add(
          "Time per stage: "
              + setup.stages().stream()
                  .map(s -> s.name() + " " + elapsed(s.millis()))
                  .collect(Collectors.joining("; ")));
    }
    return lines;
  }

  /** {@return the line that puts the accuracies in perspective} */
  static String chanceLine(DemoSetup setup) {
    return "Chance accuracy on the held-out questions: "
        + accuracy(setup.chanceAccuracy())
        + " (guessing uniformly among the possible answers).";
  }

  /** {@return a duration as {@code 8.3 s}, {@code 2 min 05 s} or {@code 1 h 02 min}} */
  static String elapsed(long millis) {
    long seconds = millis / 1000;
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, seconds / 60 % 60);
  }

  /**
   * {@return the table as aligned plain text: names left, numbers right, a rule under the header}
   */
  static String console(List<DemoRun> runs) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADERS);
    rows.addAll(rows(runs));
    int[] widths = new int[HEADERS.size()];
    for (List<String> row : rows) {
      for (int c = 0; c < widths.length; c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      for (int c = 0; c < widths.length; c++) {
        String cell = row.get(c);
        String pad = " ".repeat(widths[c] - cell.length());
        out.append(c == 0 ? "" : "  ").append(c == 0 ? cell + pad : pad + cell);
      }
      out.append('\n');
      if (r == 0) {
        int total = (widths.length - 1) * 2;
        for (int w : widths) {
          total += w;
        }
        out.append("-".repeat(total)).append('\n');
      }
    }
    return out.toString();
  }
}
