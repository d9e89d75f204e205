package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoReportTest {
  /**
   * Where a person can look at a report after the tests; the directory is rewritten by every run.
   */
  private static final Path SAMPLE = Path.of("target", "demo-report-sample");

  private static final DemoSetup SETUP =
      new DemoSetup(
          "512 pictures, 3x3 grid, 6 colours, 4 shapes; tiny LLaMA "
              + "4 layers x 128; tiny ViT 2 layers x 64, 8x8 patches",
          42,
          true,
          0.25,
          83_400,
          List.of(
              new DemoSetup.Stage("pretraining", 61_500), new DemoSetup.Stage("stage 1", 9_000)));

  /** A falling curve with some noise on it, as training losses look. */
  private static List<Double> losses(int steps, double floor, double start, double pace) {
    List<Double> losses = new ArrayList<>(steps);
    for (int i = 0; i < steps; i++) {
      losses.add(
          floor
              + (start - floor) * Math.exp(-i / pace)
              + 0.06 * Math.sin(i * 1.7) * Math.exp(-i / 80.0));
    }
    return losses;
  }

  /**
   * Five strategies of different lengths, one of a single step, with names that need quoting and
   * escaping.
   */
  private static List<DemoRun> runs() {
    return List.of(
        new DemoRun(
            "LAYERNORM",
            14_400,
            4_000_000,
            187_654_321,
            41.25,
            0.875,
            200,
            0.3121,
            losses(120, 0.3, 2.4, 25)),
        new DemoRun(
            "LAYERNORM_SIMPLE",
            168,
            4_000_000,
            180_000_000,
            39.5,
            0.6,
            200,
            0.9,
            losses(90, 0.85, 2.4, 40)),
        new DemoRun(
            "LoRA r=8, alpha=16",
            100_000,
            4_100_000,
            201_000_000,
            52.0,
            0.8,
            200,
            0.41,
            losses(75, 0.4, 2.5, 15)),
        new DemoRun(
            "FULL",
            4_000_000,
            4_000_000,
            412_300_000,
            88.125,
            0.95,
            200,
            0.08,
            losses(120, 0.05, 2.45, 12)),
        new DemoRun(
            "<connector> & co",
            16_512,
            4_000_000,
            170_000_000,
            30.0,
            0.25,
            200,
            1.9,
            List.of(1.9)));
  }

  /** The expected table cells of {@link #runs()}, worked out by hand: name, share, accuracy. */
  private static final List<List<String>> EXPECTED =
      List.of(
          List.of("LAYERNORM", "0.36%", "87.5%"),
          List.of("LAYERNORM_SIMPLE", "0.0042%", "60.0%"),
          List.of("LoRA r=8, alpha=16", "2.44%", "80.0%"),
          List.of("FULL", "100%", "95.0%"),
          List.of("<connector> & co", "0.413%", "25.0%"));

  @Test
  void writesFourFilesWhoseNumbersMatchTheRuns() throws Exception {
    List<DemoRun> runs = runs();
    DemoReport.Written w = DemoReport.write(SAMPLE, SETUP, runs, DemoAnalyses.none());
    assertThat(List.of(w.markdown(), w.csv(), w.chart(), w.html()))
        .allSatisfy(p -> assertThat(p).isRegularFile())
        .extracting(p -> p.getFileName().toString())
        .containsExactly("report.md", "report.csv", "chart.png", "report.html");

    List<String> lines = Files.readAllLines(w.csv(), StandardCharsets.UTF_8);
    assertThat(lines).hasSize(runs.size() + 1);
    assertThat(lines.get(0))
        .isEqualTo(
            "strategy,trainable_parameters,total_parameters,trainable_percent,"
                + "peak_memory_bytes,ms_per_step,held_out_accuracy,final_loss,held_out_questions,held_out_low,held_out_high");
    assertThat(lines.get(3)).startsWith("\"LoRA r=8, alpha=16\",");
    for (int i = 0; i < runs.size(); i++) {
      DemoRun run = runs.get(i);
      List<String> f = parseCsvLine(lines.get(i + 1));
      assertThat(f).hasSize(11);
      assertThat(f.get(0)).isEqualTo(run.strategy());
      assertThat(Long.parseLong(f.get(1))).isEqualTo(run.trainableParameters());
      assertThat(Long.parseLong(f.get(2))).isEqualTo(run.totalParameters());
      assertThat(Double.parseDouble(f.get(3)))
          .isEqualTo(100.0 * run.trainableParameters() / run.totalParameters());
      assertThat(Long.parseLong(f.get(4))).isEqualTo(run.peakMemoryBytes());
      assertThat(Double.parseDouble(f.get(5))).isEqualTo(run.msPerStep());
      assertThat(Double.parseDouble(f.get(6))).isEqualTo(run.heldOutAccuracy());
      assertThat(Double.parseDouble(f.get(7))).isEqualTo(run.finalLoss());
      assertThat(Integer.parseInt(f.get(8))).isEqualTo(run.heldOutQuestions());
      assertThat(Double.parseDouble(f.get(9))).isEqualTo(run.heldOut().interval().low());
      assertThat(Double.parseDouble(f.get(10))).isEqualTo(run.heldOut().interval().high());
    }

    String md = Files.readString(w.markdown());
    assertThat(md)
        .contains(
            "512 pictures, 3x3 grid",
            "Seed 42, quick mode, finished in 1 min 23 s",
            "Time per stage: pretraining 1 min 01 s; stage 1 9.0 s",
            "Chance accuracy on the held-out questions: 25.0%",
            "| 14,400 |",
            "| 179.0 MiB |",
            "| 41.3 |",
            "| 0.3121 |",
            "(chart.png)",
            "| \\<connector> & co |");
    String html = Files.readString(w.html());
    assertThat(html)
        .doesNotContain("<connector>")
        .contains("&lt;connector&gt; &amp; co", "<h2>How to read this</h2>")
        .doesNotContain("http://", "https://", "src=\"chart.png\"");
    for (List<String> expected : EXPECTED) {
      assertThat(lineStarting(md, "| " + DemoReport.markdownEscape(expected.get(0)) + " |"))
          .contains("| " + expected.get(1) + " |", "| " + expected.get(2) + " |");
      assertThat(lineStarting(html, "<tr><td>" + DemoHtml.escape(expected.get(0)) + "</td>"))
          .contains("<td>" + expected.get(1) + "</td>", "<td>" + expected.get(2) + "</td>");
    }

    Matcher data = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
    assertThat(data.find()).as("an embedded PNG").isTrue();
    assertThat(Base64.getDecoder().decode(data.group(1))).isEqualTo(Files.readAllBytes(w.chart()));
  }

  @Test
  void chartShowsEveryStrategyInBothPanels() throws Exception {
    BufferedImage image =
        ImageIO.read(DemoReport.write(SAMPLE, SETUP, runs(), DemoAnalyses.none()).chart().toFile());
    assertThat(image.getWidth()).isEqualTo(1200);
    assertThat(image.getHeight()).isEqualTo(520);
    Set<Integer> left = new HashSet<>();
    Set<Integer> right = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        (x < DemoChart.SPLIT ? left : right).add(image.getRGB(x, y) & 0xFFFFFF);
      }
    }
    assertThat(left)
        .as("antialiased lines and text on white")
        .hasSizeGreaterThan(50)
        .contains(0xFFFFFF);
    assertThat(right).hasSizeGreaterThan(50);
    for (int i = 0; i < runs().size(); i++) {
      int rgb = DemoChart.colour(i).getRGB() & 0xFFFFFF;
      assertThat(left).as("run %d's loss curve", i).contains(rgb);
      assertThat(right).as("run %d's bar", i).contains(rgb);
    }
  }

  @Test
  void rewritingADirectoryReplacesTheFilesAndLeavesNoTemporaries(@TempDir Path dir)
      throws Exception {
    DemoReport.write(dir, SETUP, runs(), DemoAnalyses.none());
    DemoRun only = new DemoRun("ONLY", 1, 2, 3, 4, 0, 200, 0, List.of(0.0, 0.0));
    DemoReport.write(dir, SETUP, List.of(only), DemoAnalyses.none());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("report.md", "report.csv", "chart.png", "report.html");
    }
    assertThat(Files.readAllLines(dir.resolve("report.csv")))
        .hasSize(2)
        .last()
        .isEqualTo(
            "ONLY,1,2,50.0,3,4.0,0.0,0.0,200,0.0," + new Proportion(0, 200).interval().high());
    assertThat(ImageIO.read(dir.resolve("chart.png").toFile()).getWidth()).isEqualTo(1200);
  }

  @Test
  void consoleTableAlignsEveryColumn() {
    String table = DemoReport.consoleTable(runs());
    List<String> lines = table.lines().toList();
    assertThat(lines).hasSize(runs().size() + 2);
    assertThat(lines).extracting(String::length).containsOnly(lines.get(0).length());
    assertThat(lines.get(0)).startsWith("strategy").endsWith("final loss");
    assertThat(lines.get(1)).matches("-+");
    assertThat(lines.get(6))
        .startsWith("<connector> & co ")
        .contains(" 0.413% ")
        .endsWith(" 1.9000");
    // Numbers are right-aligned: the ones of every trainable count sit in the same column.
    int end = lines.get(0).indexOf("trainable params") + "trainable params".length();
    assertThat(lines.subList(2, lines.size()))
        .extracting(l -> l.charAt(end - 1))
        .containsExactly('0', '8', '0', '0', '2');
  }

  @Test
  void refusesBadRunsNamingTheField() {
    List<Double> ok = List.of(1.0);
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, 1, 1.5, 200, 1, ok))
        .hasMessageContaining("heldOutAccuracy")
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, 1, Double.NaN, 200, 1, ok))
        .hasMessageContaining("heldOutAccuracy");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, 1, 0.5, 200, 1, List.of()))
        .hasMessageContaining("losses");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, 1, 0.5, 200, 1, List.of(1.0, Double.NaN)))
        .hasMessageContaining("losses[1]");
    assertThatThrownBy(() -> new DemoRun("LN", -1, 10, 0, 1, 0.5, 200, 1, ok))
        .hasMessageContaining("trainableParameters")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> new DemoRun("LN", 11, 10, 0, 1, 0.5, 200, 1, ok))
        .hasMessageContaining("trainableParameters");
    assertThatThrownBy(() -> new DemoRun("LN", 0, 0, 0, 1, 0.5, 200, 1, ok))
        .hasMessageContaining("totalParameters");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, -5, 1, 0.5, 200, 1, ok))
        .hasMessageContaining("peakMemoryBytes");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, -1, 0.5, 200, 1, ok))
        .hasMessageContaining("msPerStep");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, 1, 0.5, 200, Double.POSITIVE_INFINITY, ok))
        .hasMessageContaining("finalLoss");
    assertThatThrownBy(() -> new DemoRun(" ", 1, 10, 0, 1, 0.5, 200, 1, ok))
        .hasMessageContaining("strategy");
    assertThatThrownBy(() -> new DemoRun("LN", 1, 10, 0, 1, 0.5, 0, 1, ok))
        .hasMessageContaining("heldOutQuestions");
    assertThatThrownBy(() -> new DemoSetup("world", 1, false, -0.1, 0, List.of()))
        .hasMessageContaining("chanceAccuracy");
    assertThatThrownBy(() -> new DemoSetup("world", 1, false, 0.5, -1, List.of()))
        .hasMessageContaining("elapsedMillis");
    assertThatThrownBy(() -> new DemoSetup.Stage(" ", 1)).hasMessageContaining("name");
    assertThatThrownBy(() -> new DemoSetup.Stage("stage 1", -1)).hasMessageContaining("millis");
  }

  @Test
  void refusesNoRunsAndTwoRunsOfOneName(@TempDir Path dir) {
    assertThatThrownBy(() -> DemoReport.write(dir, SETUP, List.of(), DemoAnalyses.none()))
        .hasMessageContaining("at least one run");
    DemoRun ln = runs().get(0);
    assertThatThrownBy(() -> DemoReport.consoleTable(List.of(ln, ln)))
        .hasMessageContaining("'LAYERNORM' twice");
  }

  @Test
  void escapesMarkdownMarkup() {
    assertThat(DemoReport.markdownEscape("a|b <c> *d* `e` [f] g\\h LAYERNORM_SIMPLE"))
        .isEqualTo("a\\|b \\<c> \\*d\\* \\`e\\` \\[f\\] g\\\\h LAYERNORM_SIMPLE");
  }

  @Test
  void copiesTheLosses() {
    List<Double> losses = new ArrayList<>(List.of(2.0, 1.0));
    DemoRun run = new DemoRun("LN", 1, 10, 0, 1, 0.5, 200, 1, losses);
    losses.add(0.5);
    assertThat(run.losses()).containsExactly(2.0, 1.0);
    assertThatThrownBy(() -> run.losses().add(0.1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void formatsSharesAndDurations() {
    assertThat(DemoTable.share(0.0042)).isEqualTo("0.0042%");
    assertThat(DemoTable.share(3.7841)).isEqualTo("3.78%");
    assertThat(DemoTable.share(100)).isEqualTo("100%");
    assertThat(DemoTable.share(0)).isEqualTo("0%");
    assertThat(DemoTable.elapsed(8_340)).isEqualTo("8.3 s");
    assertThat(DemoTable.elapsed(125_000)).isEqualTo("2 min 05 s");
    assertThat(DemoTable.elapsed(3_725_000)).isEqualTo("1 h 02 min");
  }

  private static String lineStarting(String text, String prefix) {
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line starts with " + prefix));
  }

  /** Splits one RFC 4180 line: quoted fields may hold commas, and a doubled quote is a quote. */
  private static List<String> parseCsvLine(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
        field.append('"');
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
