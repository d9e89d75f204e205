package io.lntune.tools.demo;

import io.lntune.torch.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes the results of {@code lntune demo}: a Markdown and a CSV table, a chart and one
 * self-contained HTML page.
 *
 * <pre>{@code
 * DemoSetup setup = new DemoSetup("512 pictures, 3x3 grid, 6 colours, 4 shapes; tiny LLaMA 4 layers x 128", 42,
 *     true, 0.25, 83_400);
 * List<DemoRun> runs = List.of(layerNormRun, loraRun, fullRun);
 * DemoReport.Written files = DemoReport.write(Path.of("demo-out"), setup, runs);
 * System.out.print(DemoReport.consoleTable(runs));
 * // then open files.html() in a browser
 * }</pre>
 *
 * <p>Each file is written to a temporary file in {@code outDir} and renamed over its target, so a
 * reader never sees a half-written report and an earlier report is replaced file by file. Stateless
 * and thread-safe, as long as no two calls write to the same directory.
 */
public final class DemoReport {
  static final String CSV_HEADER =
      "strategy,trainable_parameters,total_parameters,trainable_percent,"
          + "peak_memory_bytes,ms_per_step,held_out_accuracy,final_loss,held_out_questions,held_out_low,held_out_high";

  /**
   * The files one report consists of, all in the same directory.
   *
   * @param markdown {@code report.md}
   * @param csv {@code report.csv}
   * @param chart {@code chart.png}
   * @param html {@code report.html}, which embeds the chart
   * @param figures the analysis sections' charts, PNG files next to the report
   */
  public record Written(Path markdown, Path csv, Path chart, Path html, List<Path> figures) {}

  private DemoReport() {}

  /**
   * Writes {@code report.md}, {@code report.csv}, {@code chart.png}, {@code report.html} and the
   * analysis sections' charts into {@code outDir}, creating it if needed and replacing earlier
   * files of the same names.
   *
   * @param outDir the report's directory
   * @param setup what the demo ran on
   * @param runs the strategy comparison, one run per strategy
   * @param analyses the paper's analyses, a section each
   * @return the files written
   * @throws IllegalArgumentException if {@code runs} is empty or two runs share a strategy name,
   *     which would make the chart's colours ambiguous
   * @throws UncheckedIOException if a file cannot be written; the message names it
   */
  public static Written write(
      Path outDir, DemoSetup setup, List<DemoRun> runs, DemoAnalyses analyses) {
    Objects.requireNonNull(outDir, "outDir");
    Objects.requireNonNull(setup, "setup");
    List<ReportSection> sections =
        AnalysisSections.of(Objects.requireNonNull(analyses, "analyses"), setup.chanceAccuracy());
    List<DemoRun> checked = checked(runs);
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the report directory " + outDir, e);
    }
    byte[] chart = DemoChart.png(checked, setup.chanceAccuracy());
    List<Path> figures = new ArrayList<>();
    for (ReportSection section : sections) {
      for (ReportSection.Figure f : section.figures()) {
        Path file = outDir.resolve(f.file());
        AtomicFiles.write(file, f.png());
        figures.add(file);
      }
    }
    Written written =
        new Written(
            outDir.resolve("report.md"),
            outDir.resolve("report.csv"),
            outDir.resolve("chart.png"),
            outDir.resolve("report.html"),
            List.copyOf(figures));
    AtomicFiles.write(
        written.markdown(), markdown(setup, checked, sections).getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(written.csv(), csv(checked).getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(written.chart(), chart);
    AtomicFiles.write(
        written.html(),
        DemoHtml.render(setup, checked, chart, sections).getBytes(StandardCharsets.UTF_8));
    return written;
  }

  /**
   * {@return the report's table as aligned plain text for a console, one line per run under a
   * header}
   *
   * @throws IllegalArgumentException if {@code runs} is empty or two runs share a strategy name
   */
  public static String consoleTable(List<DemoRun> runs) {
    return DemoTable.console(checked(runs));
  }

  private static List<DemoRun> checked(List<DemoRun> runs) {
    List<DemoRun> copy = List.copyOf(Objects.requireNonNull(runs, "runs"));
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("runs must hold at least one run");
    }
    Set<String> seen = new HashSet<>();
    for (DemoRun run : copy) {
      if (!seen.add(run.strategy())) {
        throw new IllegalArgumentException("runs hold strategy '" + run.strategy() + "' twice");
      }
    }
    return copy;
  }

  static String markdown(DemoSetup setup, List<DemoRun> runs, List<ReportSection> sections) {
    StringBuilder out =
        new StringBuilder("# lntune demo: LayerNorm tuning and the other strategies\n\n");
    for (String line : DemoTable.setupLines(setup)) {
      out.append("- ").append(markdownEscape(line)).append('\n');
    }
    out.append('\n');
    ReportSection.appendMarkdownTable(out, DemoTable.HEADERS, DemoTable.rows(runs));
    out.append('\n')
        .append(DemoTable.chanceLine(setup))
        .append("\n\n")
        .append("![Stage-2 training loss and held-out accuracy per strategy](chart.png)\n");
    List<String> differences = DemoTable.differenceLines(runs);
    if (!differences.isEmpty()) {
      out.append("\n## Which differences are real\n\n")
          .append(markdownEscape(DemoTable.DIFFERENCES_INTRO))
          .append("\n\n");
      differences.forEach(line -> out.append("- ").append(markdownEscape(line)).append('\n'));
    }
    sections.forEach(section -> out.append(section.markdown()));
    return out.toString();
  }

  /**
   * {@return {@code text} with a backslash before the characters that Markdown would read as
   * markup: a pipe would end a table cell, {@code <} start an HTML tag, the others emphasis, code
   * or links}
   */
  static String markdownEscape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ("\\|<*`[]".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  static String csv(List<DemoRun> runs) {
    StringBuilder out = new StringBuilder(CSV_HEADER).append('\n');
    for (DemoRun run : runs) {
      // Double.toString prints the shortest text that parses back to the same double, in every
      // locale.
      out.append(csvField(run.strategy()))
          .append(',')
          .append(run.trainableParameters())
          .append(',')
          .append(run.totalParameters())
          .append(',')
          .append(Double.toString(run.trainablePercent()))
          .append(',')
          .append(run.peakMemoryBytes())
          .append(',')
          .append(Double.toString(run.msPerStep()))
          .append(',')
          .append(Double.toString(run.heldOutAccuracy()))
          .append(',')
          .append(Double.toString(run.finalLoss()))
          .append(',')
          .append(run.heldOutQuestions())
          .append(',')
          .append(Double.toString(run.heldOut().interval().low()))
          .append(',')
          .append(Double.toString(run.heldOut().interval().high()))
          .append('\n');
    }
    return out.toString();
  }

  /**
   * {@return {@code text} as one RFC 4180 field: quoted, inner quotes doubled, when it needs to be}
   */
  private static String csvField(String text) {
    boolean plain = text.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
    return plain ? text : '"' + text.replace("\"", "\"\"") + '"';
  }
}
