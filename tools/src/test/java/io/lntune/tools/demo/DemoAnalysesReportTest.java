package io.lntune.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.tools.MemoryEstimate;
import io.lntune.training.analysis.LayerSimilarity;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's analysis sections from synthetic inputs: each section's table, charts and verdicts.
 */
class DemoAnalysesReportTest {
  private static final DemoSetup SETUP =
      new DemoSetup("40 pictures; tiny LLaMA 3 layers x 96", 7, true, 0.25, 12_000, List.of());

  private static DemoRun run(String label, int right) {
    return new DemoRun(
        label, 1_000, 4_000_000, 100L << 20, 10, right / 200.0, 200, 0.5, List.of(1.0, 0.5));
  }

  /** Three layers, every pair at {@code pair}. */
  private static LayerSimilarity uniform(double pair) {
    double[][] m = {{1, pair, pair}, {pair, 1, pair}, {pair, pair, 1}};
    return new LayerSimilarity(64, m, m);
  }

  private static DemoAnalyses analyses() {
    return new DemoAnalyses(
        List.of(
            new DemoAnalyses.Similarity("LAYERNORM", uniform(0.40)),
            new DemoAnalyses.Similarity("FULL", uniform(0.70))),
        List.of(
            row("llava-v1-llama2-13b", "LAYERNORM", 333, 13_324, 100, 50),
            row("llava-v1-llama2-13b", "LORA", 583, 13_574, 120, 60)),
        List.of(
            run(DemoAblations.CONNECTOR_ONLY, 60),
            run(DemoAblations.LAYERNORM_ONLY, 140),
            run(DemoAblations.LAYERNORM_AND_CONNECTOR, 180)),
        List.of(
            run(DemoAblations.CONVERSATION, 150),
            run(DemoAblations.DETAIL, 60),
            run(DemoAblations.ALL_KINDS, 148)),
        List.of(
            new DemoAnalyses.GradientVariance(
                "LAYERNORM", List.of(25L, 50L, 75L), List.of(1.0e-6, 2.0e-6, 1.5e-6)),
            new DemoAnalyses.GradientVariance(
                "FULL", List.of(25L, 50L, 75L), List.of(4.0e-6, 5.0e-6, 4.0e-6))));
  }

  private static PaperScale.Row row(
      String preset, String strategy, long trainable, long total, long fixed, long activations) {
    return new PaperScale.Row(
        preset,
        strategy,
        trainable,
        total,
        new MemoryEstimate(fixed, 0, 0, 0, activations, activations / 2));
  }

  @Test
  void everySectionShowsItsTableChartsAndVerdicts(@TempDir Path dir) throws Exception {
    DemoReport.Written w = DemoReport.write(dir, SETUP, List.of(run("LAYERNORM", 150)), analyses());
    assertThat(w.figures())
        .extracting(p -> p.getFileName().toString())
        .containsExactly(
            "similarity-layernorm.png",
            "similarity-full.png",
            "gradient-variance.png",
            "connector-ablation.png",
            "data-types.png",
            "paper-scale.png");
    for (Path figure : w.figures()) {
      BufferedImage image = ImageIO.read(figure.toFile());
      assertThat(image.getWidth()).as(figure.toString()).isGreaterThan(400);
    }
    String md = Files.readString(w.markdown());
    assertThat(md)
        .contains(
            "## Layer similarity: LAYERNORM against FULL (the paper's Table 6)",
            "| measure (mean over pairs of layers) | LAYERNORM | FULL |",
            "| cosine | 0.4000 | 0.7000 |",
            "| linear CKA | 0.4000 | 0.7000 |",
            "-0.3000 in mean cosine and -0.3000 in mean linear CKA: agrees.",
            "(similarity-layernorm.png)",
            "## Gradient variance per strategy",
            "| LAYERNORM | 3 | 1.44e-06 | ",
            "| FULL | 3 | 4.31e-06 | 3.13e-06 to 5.93e-06 | 0.335 (0.178 to 0.630) |",
            "(gradient-variance.png)",
            "## Connector ablation (the paper's Table 4)",
            "LayerNorm + connector beats connector only. Demo: LayerNorm + connector 90.0% against "
                + "connector only 30.0%",
            "(connector-ablation.png)",
            "## Data types",
            "(data-types.png)",
            "## Paper scale",
            "(paper-scale.png)");
    // LAYERNORM / FULL per step: 0.25, 0.4, 0.375; the geometric mean 0.335, its interval 0.178 to
    // 0.630.
    assertThat(lineContaining(md, "Paper: LayerNorm tuning's gradients vary less"))
        .endsWith("Demo: LAYERNORM's variance is 0.335x FULL's (95%: 0.178 to 0.630): agrees.");
    assertThat(lineContaining(md, "Paper: LayerNorm + connector beats LayerNorm only"))
        .endsWith(": agrees.");
    assertThat(lineContaining(md, "Paper: LayerNorm only beats connector only"))
        .endsWith(": agrees.");
    assertThat(lineContaining(md, "Paper: conversation only is close to or above all kinds"))
        .contains("+1.0 points")
        .endsWith(": inconclusive.");
    assertThat(lineContaining(md, "Paper: detail only is below conversation only"))
        .endsWith(": agrees.");
    // 333/13,324 against 583/13,574 of their own totals: 1 - 2.4993/4.2950 = 41.8% fewer.
    assertThat(lineContaining(md, "fewer parameters than LoRA at 13B"))
        .contains("lntune: 41.8% fewer by trainable share", "42.9% fewer by count", ": agrees");
    // (100 + 50) against (120 + 60) bytes: 16.7% less; with recomputation (100 + 25) against (120 +
    // 30): 16.7%.
    assertThat(lineContaining(md, "less GPU memory than LoRA at 13B"))
        .contains("(LLaVA's training scripts turn it on): 16.7% less; without: 16.7% less. Agrees");

    String html = Files.readString(w.html());
    assertThat(html)
        .contains(
            "<h2>Layer similarity: LAYERNORM against FULL (the paper&#39;s Table 6)</h2>",
            "<tr><td>cosine</td><td>0.4000</td><td>0.7000</td></tr>",
            "<h2>Connector ablation (the paper&#39;s Table 4)</h2>")
        .doesNotContain("src=\"similarity-layernorm.png\"");
    assertThat(html.split("data:image/png;base64,", -1)).as("embedded images").hasSize(8);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporaries left")
          .containsExactlyInAnyOrder(
              "report.md",
              "report.csv",
              "chart.png",
              "report.html",
              "similarity-layernorm.png",
              "similarity-full.png",
              "gradient-variance.png",
              "connector-ablation.png",
              "data-types.png",
              "paper-scale.png");
    }
  }

  @Test
  void everyAnalysisSectionWithMeasurementsRendersAChartInBothFormats() throws Exception {
    for (ReportSection section : AnalysisSections.of(analyses(), 0.25)) {
      assertThat(section.figures()).as(section.title()).isNotEmpty();
      for (ReportSection.Figure f : section.figures()) {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(f.png()));
        assertThat(image.getWidth()).as(f.file()).isGreaterThan(400);
        assertThat(section.markdown()).as(section.title()).contains("](" + f.file() + ")");
        assertThat(section.html())
            .as(section.title())
            .contains(Base64.getEncoder().encodeToString(f.png()));
      }
    }
  }

  /** Three measured steps of {@code strategy}, at steps 10, 20 and 30. */
  private static DemoAnalyses.GradientVariance variances(String strategy, double... v) {
    return new DemoAnalyses.GradientVariance(
        strategy, List.of(10L, 20L, 30L), List.of(v[0], v[1], v[2]));
  }

  @Test
  void theGradientVerdictFollowsTheIntervalsOfTheRatios() {
    DemoAnalyses.GradientVariance ln = variances("LAYERNORM", 1, 2, 1.5);
    assertThat(
            GradientVarianceSection.finding(
                List.of(ln, variances("FULL", 4, 5, 4), variances("LORA", 3, 6, 5))))
        .as("below both, steadily")
        .endsWith(": agrees.");
    assertThat(
            GradientVarianceSection.finding(
                List.of(ln, variances("FULL", 4, 5, 4), variances("LORA", 0.5, 1.1, 0.7))))
        .as("below one, above the other")
        .contains("LORA's (95%: 1.")
        .endsWith(": does not agree.");
    assertThat(
            GradientVarianceSection.finding(
                List.of(ln, variances("FULL", 4, 5, 4), variances("LORA", 0.5, 8, 1.5))))
        .as("the ratio to LORA swings from 2 to 0.25")
        .endsWith(": inconclusive.");
    assertThat(GradientVarianceSection.finding(List.of(variances("FULL", 4, 5, 4))))
        .endsWith("LAYERNORM was not measured: inconclusive.");
    assertThat(
            GradientVarianceSection.finding(
                List.of(
                    ln,
                    new DemoAnalyses.GradientVariance(
                        "FULL", List.of(30L, 40L), List.of(4.0, 5.0)))))
        .as("one step in common")
        .endsWith("neither FULL nor LORA was measured at two of LAYERNORM's steps: inconclusive.");
    assertThat(
            GradientVarianceSection.finding(
                List.of(
                    ln,
                    variances("FULL", 4, 5, 4),
                    variances("LORA", 3, 6, 5),
                    variances("CONNECTOR_ONLY", 0.1, 0.2, 0.1))))
        .as("a strategy that trains only the connector is reported, not judged")
        .contains("LORA's (95%: ")
        .contains(": agrees. Beside the claim, as they train other and far smaller sets: ")
        .contains("11.4x CONNECTOR_ONLY's (95%: ");
    assertThat(GradientVarianceSection.finding(List.of(ln, variances("CONNECTOR_ONLY", 4, 5, 4))))
        .as("no baseline of the paper's")
        .contains("neither FULL nor LORA was measured")
        .endsWith(": inconclusive.");
  }

  @Test
  void sectionsWithoutMeasurementsSayWhatWasNotRun(@TempDir Path dir) throws Exception {
    DemoReport.Written w =
        DemoReport.write(dir, SETUP, List.of(run("LORA", 100)), DemoAnalyses.none());
    assertThat(w.figures()).isEmpty();
    String md = Files.readString(w.markdown());
    assertThat(md)
        .contains(
            "Not measured: neither LAYERNORM nor FULL was among --strategies.",
            "Not measured: no stage-2 run recorded two or more gradient variances.",
            "The paper's 13B claims: not computed")
        .containsPattern("(?s)Connector ablation.*Not run: .*pass --analyses")
        .containsPattern("(?s)Data types.*Not run: .*pass --analyses");
  }

  @Test
  void oneModelAloneIsInconclusiveAndMixedMeasuresToo() {
    assertThat(
            AnalysisSections.similarityFinding(
                List.of(new DemoAnalyses.Similarity("LAYERNORM", uniform(0.3)))))
        .endsWith("not both measured: inconclusive.");
    double[][] low = {{1, 0.2}, {0.2, 1}};
    double[][] high = {{1, 0.9}, {0.9, 1}};
    assertThat(
            AnalysisSections.similarityFinding(
                List.of(
                    new DemoAnalyses.Similarity("LAYERNORM", new LayerSimilarity(8, low, high)),
                    new DemoAnalyses.Similarity("FULL", new LayerSimilarity(8, high, low)))))
        .endsWith(": inconclusive.");
    assertThat(
            AnalysisSections.similarityFinding(
                List.of(
                    new DemoAnalyses.Similarity("LAYERNORM", uniform(0.9)),
                    new DemoAnalyses.Similarity("FULL", uniform(0.2)))))
        .endsWith(": does not agree.");
  }

  @Test
  void verdictsFollowTheIntervalOfTheDifference() {
    assertThat(Verdict.beats(new Proportion(180, 200), new Proportion(100, 200)))
        .isEqualTo(Verdict.AGREES);
    assertThat(Verdict.beats(new Proportion(100, 200), new Proportion(180, 200)))
        .isEqualTo(Verdict.DOES_NOT_AGREE);
    assertThat(Verdict.beats(new Proportion(104, 200), new Proportion(100, 200)))
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(Verdict.DOES_NOT_AGREE.words()).isEqualTo("does not agree");
    assertThat(
            DemoAblations.finding(
                new DemoAblations.Claim("A beats B", "A", "B"), List.of(run("A", 10))))
        .isEqualTo("Paper: A beats B. Demo: not run: inconclusive.");
  }

  @Test
  void thePaperScaleTableReproducesThePapersParameterClaim() {
    List<PaperScale.Row> rows = PaperScale.rows();
    assertThat(rows).hasSize(PaperScale.PRESETS.size() * PaperScale.STRATEGIES.size());
    PaperScale.Row ln7 = rows.get(0);
    assertThat(ln7.preset()).isEqualTo("llava-v1-llama2-7b");
    assertThat(ln7.strategy()).isEqualTo("LAYERNORM");
    assertThat(Math.round(ln7.trainablePercent() * 100) / 100.0)
        .as("the paper's 3.78%")
        .isEqualTo(3.78);
    assertThat(rows)
        .allSatisfy(r -> assertThat(r.memoryBytes(true)).isLessThanOrEqualTo(r.memoryBytes(false)));
    List<String> claims = PaperScale.claims(rows);
    assertThat(claims.get(0))
        .contains("lntune: 41.8% fewer by trainable share")
        .contains(": agrees");
    assertThat(claims.get(1))
        .contains(
            "Paper: LayerNorm tuning takes 17.6% less GPU memory",
            // LoRA's adapters keep bf16 inputs and a bool mask since they run at the layer's dtype
            "12.0% less; without: 22.2% less", "Does not agree");
    assertThat(Collections.frequency(claims, null)).isZero();
  }

  private static String lineContaining(String text, String part) {
    return text.lines()
        .filter(l -> l.contains(part))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line contains '" + part + "'"));
  }
}
