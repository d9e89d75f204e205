package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GradientsCommandTest {
  @TempDir Path dir;

  /**
   * A metrics.jsonl as the trainer writes it: steps, some with gradient statistics, and an
   * evaluation.
   */
  private Path run(String name, double... variances) throws Exception {
    Path run = Files.createDirectories(dir.resolve(name));
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < variances.length; i++) {
      long step = 2L * (i + 1);
      lines.append("{\"type\":\"step\",\"step\":").append(step - 1).append(",\"loss\":2.0}\n");
      String variance = Double.isNaN(variances[i]) ? "null" : Double.toString(variances[i]);
      lines
          .append("{\"type\":\"step\",\"step\":")
          .append(step)
          .append(",\"loss\":1.5,\"gradients\":{")
          .append("\"no_decay\":{\"norm\":")
          .append(i + 1)
          .append(",\"variance\":")
          .append(variance)
          .append(",\"elements\":10,\"micro_batches\":4},")
          .append("\"all\":{\"norm\":")
          .append(2 * (i + 1))
          .append(",\"variance\":")
          .append(variance)
          .append(",\"elements\":10,\"micro_batches\":4}}}\n");
    }
    lines.append("{\"type\":\"eval\",\"step\":4,\"accuracy\":0.5}\n");
    Files.writeString(run.resolve("metrics.jsonl"), lines);
    return run;
  }

  @Test
  void chartsAndTabulatesSeveralRuns() throws Exception {
    Path ln = run("ln", 1e-6, 3e-6, Double.NaN);
    Path full = run("full-run", 1e-4, 3e-4, 5e-4);
    Path out = dir.resolve("gradients");
    CliRun r =
        CliRun.of(
            "analyze", "gradients", "layernorm=" + ln, full.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("| layernorm | 3 | 2.000e-06 | 4.000 |", "| full-run | 3 | 0.0003000 | 4.000 |");
    assertThat(Files.readString(out.resolve("table.md")))
        .isEqualTo(r.out().substring(0, r.out().indexOf("written")));
    List<String> csv = Files.readAllLines(out.resolve("gradients.csv"));
    assertThat(csv).hasSize(7).first().isEqualTo("run,step,group,norm,variance");
    assertThat(csv)
        .contains(
            "layernorm,2,all,2.0,1.0E-6", "layernorm,6,all,6.0,", "full-run,6,all,6.0,5.0E-4");
    BufferedImage png = ImageIO.read(out.resolve("gradients.png").toFile());
    assertThat(png.getWidth()).isEqualTo(2 * GradientsCommand.PANEL_WIDTH);
    assertThat(Files.readString(out.resolve("gradients.svg"))).contains("<svg");

    CliRun group =
        CliRun.of(
            "analyze", "gradients", ln.toString(), "--group", "no_decay", "--out", out.toString());
    assertThat(group.code()).as(group.err()).isZero();
    assertThat(group.out()).contains("| ln | 3 | 2.000e-06 | 2.000 |");
  }

  @Test
  void runsWithoutStatisticsOrUnknownGroupsFailNamingTheFile() throws Exception {
    Path plain = Files.createDirectories(dir.resolve("plain"));
    Files.writeString(
        plain.resolve("metrics.jsonl"), "{\"type\":\"step\",\"step\":1,\"loss\":2.0}\n");
    CliRun none =
        CliRun.of("analyze", "gradients", plain.toString(), "--out", dir.resolve("o1").toString());
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err())
        .contains(
            plain.resolve("metrics.jsonl").toString(),
            "has no gradient statistics",
            "--gradient-stats-every");

    Path ln = run("ln", 1e-6);
    CliRun group =
        CliRun.of(
            "analyze",
            "gradients",
            ln.toString(),
            "--group",
            "decay",
            "--out",
            dir.resolve("o2").toString());
    assertThat(group.code()).isEqualTo(1);
    assertThat(group.err()).contains("for group 'decay'; it has [no_decay, all]");
    assertThat(dir.resolve("o2")).doesNotExist();

    CliRun missing =
        CliRun.of(
            "analyze",
            "gradients",
            dir.resolve("nowhere").toString(),
            "--out",
            dir.resolve("o3").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("metrics.jsonl does not exist");
  }

  /**
   * Two real training runs with gradient statistics on, compared: what the trainer writes is what
   * the analysis reads.
   */
  @Test
  void readsWhatTrainingWrote() throws Exception {
    TrainFixture f = TrainFixture.create(dir);
    for (String strategy : List.of("LAYERNORM", "FULL")) {
      CliRun trained =
          CliRun.of(
              f.train(
                  "--strategy",
                  strategy,
                  "--batch-size",
                  "2",
                  "--grad-accum",
                  "2",
                  "--max-steps",
                  "4",
                  "--gradient-stats-every",
                  "2",
                  "--output",
                  dir.resolve(strategy).toString()));
      assertThat(trained.code()).as(trained.err()).isZero();
    }
    Path out = dir.resolve("compared");
    CliRun r =
        CliRun.of(
            "analyze",
            "gradients",
            "ln=" + dir.resolve("LAYERNORM"),
            "full=" + dir.resolve("FULL"),
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .containsPattern("\\| ln \\| 2 \\| [0-9.e+-]+ \\|")
        .containsPattern("\\| full \\| 2 \\|");
    assertThat(Files.readAllLines(out.resolve("gradients.csv")))
        .hasSize(5)
        .allSatisfy(line -> assertThat(line).doesNotEndWith(","));
  }
}
