package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llava.TinyLlava;
import io.lntune.training.analysis.LayerSimilarity;
import io.lntune.training.synth.SyntheticWorld;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune analyze similarity} end to end on a tiny LLaVA, with two adapters made by short
 * training runs (a LayerNorm run's directory and a full finetune's delta file): every file is
 * written and agrees with the others.
 */
class SimilarityCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path model;
  static SyntheticWorld.Summary world;
  static Path layernorm;
  static Path full;

  @BeforeAll
  static void setUp() throws Exception {
    model = TinyLlava.withLlamaTokenizer(dir);
    world = new SyntheticWorld(30, 5, 16, 0.3).generate(dir.resolve("world"));
    layernorm = train("LAYERNORM", "ln-run");
    full = train("FULL", "full-run").resolve("trainable.safetensors");
  }

  private static Path train(String strategy, String name) {
    Path out = dir.resolve(name);
    CliRun r =
        CliRun.of(
            "train",
            "--model",
            model.toString(),
            "--data",
            world.stage2Train().toString(),
            "--image-root",
            world.imageRoot().toString(),
            "--strategy",
            strategy,
            "--lr",
            "0.05",
            "--batch-size",
            "2",
            "--max-steps",
            "3",
            "--workers",
            "1",
            "--output",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    return out;
  }

  private static CliRun analyze(Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "analyze",
                "similarity",
                "--model",
                model.toString(),
                "--data",
                world.stage2Eval().toString(),
                "--images",
                world.imageRoot().toString(),
                "--samples",
                "8",
                "--batch-size",
                "3",
                "--out",
                out.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void writesEveryModelsMatricesHeatmapsAndTheSideBySideTable() throws Exception {
    Path out = dir.resolve("similarity");
    CliRun r = analyze(out, "--adapter", layernorm.toString(), "--adapter", "full=" + full);
    assertThat(r.code()).as(r.err()).isZero();
    System.out.println(r.out()); // the numbers, for the record

    JsonNode report = JSON.readTree(out.resolve("similarity.json").toFile());
    assertThat(report.get("backbone").asText()).isEqualTo("tiny-llava");
    assertThat(report.get("protocol").get("samples").asInt()).isEqualTo(8);
    assertThat(report.get("protocol").get("pooling").asText()).isEqualTo("mean");
    JsonNode models = report.get("models");
    List<String> names = new ArrayList<>();
    models.forEach(m -> names.add(m.get("name").asText()));
    assertThat(names).containsExactly("base", "ln-run", "full");
    assertThat(models.get(1).get("adapter").asText()).isEqualTo(layernorm.toString());
    assertThat(models.get(0).get("adapter").isNull()).isTrue();

    List<String> table = Files.readAllLines(out.resolve("table.csv"));
    assertThat(table.get(0)).isEqualTo("model,measure,base,ln-run,full");
    assertThat(table).hasSize(3);
    for (int k = 0; k < models.size(); k++) {
      JsonNode m = models.get(k);
      String name = m.get("name").asText();
      assertThat(m.get("samples").asInt()).isEqualTo(8);
      assertThat(m.get("layers").asInt()).isEqualTo(2);
      double[][] cosine = JSON.treeToValue(m.get("cosine"), double[][].class);
      double[][] cka = JSON.treeToValue(m.get("cka"), double[][].class);
      assertThat(csv(out.resolve(name + "-cosine.csv"))).isDeepEqualTo(cosine);
      assertThat(csv(out.resolve(name + "-cka.csv"))).isDeepEqualTo(cka);
      for (double[][] matrix : List.of(cosine, cka)) {
        assertThat(matrix[0][0]).isCloseTo(1, within(1e-9));
        assertThat(matrix[1][1]).isCloseTo(1, within(1e-9));
        assertThat(matrix[0][1]).isEqualTo(matrix[1][0]).isLessThan(1);
      }
      assertThat(m.get("mean_cosine").asDouble()).isEqualTo(LayerSimilarity.meanOfPairs(cosine));
      assertThat(m.get("mean_cka").asDouble()).isEqualTo(LayerSimilarity.meanOfPairs(cka));
      assertThat(table.get(1).split(",")[2 + k])
          .isEqualTo(Double.toString(m.get("mean_cosine").asDouble()));
      assertThat(table.get(2).split(",")[2 + k])
          .isEqualTo(Double.toString(m.get("mean_cka").asDouble()));
      BufferedImage png = ImageIO.read(out.resolve(name + "-heatmap.png").toFile());
      assertThat(png.getWidth()).isEqualTo(2 * SimilarityHeatmap.PANEL_WIDTH);
      assertThat(png.getHeight()).isEqualTo(SimilarityHeatmap.HEIGHT);
      assertThat(Files.readString(out.resolve(name + "-heatmap.svg")))
          .contains("<svg")
          .contains("</svg>");
    }
    assertThat(table.get(1)).startsWith("tiny-llava,cosine,");
    assertThat(table.get(2)).startsWith("tiny-llava,linear_cka,");
    assertThat(models.get(1).get("mean_cosine").asDouble())
        .as("training changed the layers")
        .isNotCloseTo(models.get(0).get("mean_cosine").asDouble(), within(1e-6));
    assertThat(models.get(2).get("mean_cka").asDouble())
        .isNotCloseTo(models.get(0).get("mean_cka").asDouble(), within(1e-6));
    assertThat(r.out())
        .contains("| model | measure | base | ln-run | full |")
        .contains("| tiny-llava | cosine |")
        .contains("written to " + out);
    assertThat(Files.readString(out.resolve("table.md")))
        .isEqualTo(r.out().substring(0, r.out().indexOf("written")));

    CliRun again = analyze(out);
    assertThat(again.code()).as("an earlier analysis is replaced: " + again.err()).isZero();
    JsonNode rerun = JSON.readTree(out.resolve("similarity.json").toFile()).get("models");
    assertThat(rerun).hasSize(1);
    assertThat(rerun.get(0)).as("same seed, same samples, same numbers").isEqualTo(models.get(0));
    assertThat(out.resolve("ln-run-cka.csv")).doesNotExist();
  }

  @Test
  void badOptionsAndTooFewSamplesFailNamingWhatIsWrong() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.writeString(other.resolve("notes.txt"), "mine");
    CliRun occupied = analyze(other);
    assertThat(occupied.code()).isEqualTo(2);
    assertThat(occupied.err()).contains("holds other files and no similarity.json");
    assertThat(other.resolve("notes.txt")).exists();

    CliRun twice =
        analyze(dir.resolve("twice"), "--adapter", "x=" + layernorm, "--adapter", "x=" + full);
    assertThat(twice.code()).isEqualTo(2);
    assertThat(twice.err()).contains("the label 'x' is taken");

    CliRun pooling = analyze(dir.resolve("pooling"), "--pooling", "max");
    assertThat(pooling.code()).isEqualTo(2);
    assertThat(pooling.err()).contains("--pooling must be mean or last, got 'max'");

    CliRun many = analyze(dir.resolve("many"), "--samples", "100");
    assertThat(many.code()).isEqualTo(1);
    assertThat(many.err()).contains("stage2-eval.json").contains("100 samples asked, 9 there");
    assertThat(dir.resolve("many")).doesNotExist();

    CliRun bare = CliRun.of("analyze");
    assertThat(bare.code()).isEqualTo(2);
    assertThat(bare.err()).contains("name an analysis");
  }

  private static double[][] csv(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).isEqualTo("layer,0,1");
    double[][] out = new double[lines.size() - 1][];
    for (int i = 1; i < lines.size(); i++) {
      String[] cells = lines.get(i).split(",");
      assertThat(cells[0]).isEqualTo(Integer.toString(i - 1));
      out[i - 1] = new double[cells.length - 1];
      for (int j = 1; j < cells.length; j++) {
        out[i - 1][j - 1] = Double.parseDouble(cells[j]);
      }
    }
    return out;
  }
}
