package io.lntune.tools.demo;

import io.lntune.training.data.SampleType;
import io.lntune.training.data.Subset;
import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The demo's two ablations, each a few extra stage-2 runs from the same stage-1 model, with the
 * same steps, batch and seed as the strategy comparison:
 *
 * <ul>
 *   <li><b>connector</b> (the paper's Table 4): the connector only ({@code CONNECTOR_ONLY}), the
 *       LayerNorms only ({@code LAYERNORM_SIMPLE}) and both (the block and final norms with the
 *       connector; {@code LAYERNORM} also trains the embeddings and head, so it is not this row);
 *   <li><b>data type</b> (the paper's Figure 2): {@code LAYERNORM} on {@code N} conversations,
 *       {@code N} detailed descriptions, or {@code N} samples of all three kinds at random, from
 *       the synthetic world's {@code stage2-instruct.json}; {@code N} is the number of training
 *       pictures, so each run has the same samples and steps (the budget) and sees each of its
 *       samples equally often.
 * </ul>
 *
 * Each section gives the held-out accuracy with its 95% interval and a verdict per claim: agrees or
 * does not when the 95% interval of a difference excludes 0, inconclusive when it does not.
 */
final class DemoAblations {
  static final String CONNECTOR_ONLY = "connector only";
  static final String LAYERNORM_ONLY = "LayerNorm only";
  static final String LAYERNORM_AND_CONNECTOR = "LayerNorm + connector";
  static final String CONVERSATION = "conversation only";
  static final String DETAIL = "detail only";
  static final String ALL_KINDS = "all kinds";

  /**
   * One extra run.
   *
   * @param label its name in the report and its directory's
   * @param selection what it trains
   * @param rateOf the strategy whose demo learning rate it takes
   * @param subset its share of the typed data, or empty for the strategy comparison's data
   */
  record Spec(String label, Selection selection, Strategy rateOf, Optional<Subset> subset) {
    /** {@return the run's directory name: the label in lower case, words joined by '-'} */
    String directory() {
      return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
  }

  private DemoAblations() {}

  /** {@return the connector ablation's runs, in the order of the report} */
  static List<Spec> connectorRuns() {
    return List.of(
        new Spec(
            CONNECTOR_ONLY,
            Selection.of(Strategy.CONNECTOR_ONLY),
            Strategy.CONNECTOR_ONLY,
            Optional.empty()),
        new Spec(
            LAYERNORM_ONLY,
            Selection.of(Strategy.LAYERNORM_SIMPLE),
            Strategy.LAYERNORM_SIMPLE,
            Optional.empty()),
        new Spec(
            LAYERNORM_AND_CONNECTOR,
            Selection.custom(
                ParameterNames.BLOCK_NORM
                    .or(ParameterNames.FINAL_NORM)
                    .or(ParameterNames.CONNECTOR)),
            Strategy.LAYERNORM_SIMPLE,
            Optional.empty()));
  }

  /** {@return the data-type ablation's runs, {@code samples} each, in the order of the report} */
  static List<Spec> dataTypeRuns(int samples) {
    Selection ln = Selection.of(Strategy.LAYERNORM);
    return List.of(
        new Spec(
            CONVERSATION,
            ln,
            Strategy.LAYERNORM,
            Optional.of(new Subset(List.of(Subset.Part.ofType(SampleType.CONVERSATION, samples))))),
        new Spec(
            DETAIL,
            ln,
            Strategy.LAYERNORM,
            Optional.of(new Subset(List.of(Subset.Part.ofType(SampleType.DETAIL, samples))))),
        new Spec(ALL_KINDS, ln, Strategy.LAYERNORM, Optional.of(Subset.random(samples))));
  }

  /** {@return the connector ablation's section} */
  static ReportSection connectorSection(List<DemoRun> runs, double chance) {
    return section(
        "Connector ablation (the paper's Table 4)",
        "Three stage-2 runs from the same stage-1 model, as long as the strategy comparison's: "
            + "the connector only (CONNECTOR_ONLY), the LayerNorms only (LAYERNORM_SIMPLE: the "
            + "block and final norms) and both (the norms with the connector; LAYERNORM also trains "
            + "the embeddings and head). The paper finds LayerNorm + connector best, connector only "
            + "far behind and LayerNorm only in between: the LLM's LayerNorm does most of the "
            + "adaptation.",
        runs,
        chance,
        new Chart("connector-ablation.png", "Connector ablation (Table 4)"),
        List.of(
            new Claim(
                "LayerNorm + connector beats connector only",
                LAYERNORM_AND_CONNECTOR,
                CONNECTOR_ONLY),
            new Claim(
                "LayerNorm + connector beats LayerNorm only",
                LAYERNORM_AND_CONNECTOR,
                LAYERNORM_ONLY),
            new Claim("LayerNorm only beats connector only", LAYERNORM_ONLY, CONNECTOR_ONLY)));
  }

  /** {@return the data-type ablation's section} */
  static ReportSection dataTypeSection(List<DemoRun> runs, double chance) {
    return section(
        "Data types: conversation, detailed description, all (the paper's Figure 2)",
        "LAYERNORM trained three times at an equal budget (the same steps and the same number of "
            + "samples, drawn with the seed from the synthetic world's stage2-instruct.json): on "
            + "conversations only, on detailed descriptions only, and on all three kinds "
            + "(conversation, detail, complex reasoning) at random. The paper finds conversation "
            + "data alone close to or above all the data, and detailed descriptions worst.",
        runs,
        chance,
        new Chart("data-types.png", "Data types (Figure 2)"),
        List.of(
            new Claim("conversation only is close to or above all kinds", CONVERSATION, ALL_KINDS),
            new Claim("detail only is below conversation only", CONVERSATION, DETAIL),
            new Claim("detail only is below all kinds", ALL_KINDS, DETAIL)));
  }

  /**
   * A claim that run {@code better} answers more held-out questions than run {@code worse}.
   *
   * @param text the claim in words
   * @param better the label of the run claimed better
   * @param worse the label of the run claimed worse
   */
  record Claim(String text, String better, String worse) {}

  /**
   * A section's chart.
   *
   * @param file its file name
   * @param title its title, short enough for the chart's width
   */
  private record Chart(String file, String title) {}

  private static ReportSection section(
      String title,
      String protocol,
      List<DemoRun> runs,
      double chance,
      Chart chart,
      List<Claim> claims) {
    if (runs.isEmpty()) {
      return new ReportSection(
          title,
          List.of(
              protocol,
              "Not run: these extra runs are off in the full demo to keep it within ten minutes; "
                  + "pass --analyses to run them (the quick mode always does)."),
          List.of(),
          List.of(),
          List.of(),
          List.of());
    }
    List<List<String>> rows = new ArrayList<>();
    for (DemoRun r : runs) {
      rows.add(
          List.of(
              r.strategy(),
              String.format(Locale.ROOT, "%,d", r.trainableParameters()),
              String.format(Locale.ROOT, "%,d", r.losses().size()),
              DemoTable.accuracy(r.heldOutAccuracy()),
              DemoTable.interval(r.heldOut().interval()),
              String.format(Locale.ROOT, "%.4f", r.finalLoss())));
    }
    List<String> findings = new ArrayList<>();
    for (Claim c : claims) {
      findings.add(finding(c, runs));
    }
    return new ReportSection(
        title,
        List.of(protocol),
        List.of(
            "run", "trainable params", "steps", "held-out accuracy", "95% interval", "final loss"),
        rows,
        findings,
        List.of(
            new ReportSection.Figure(
                chart.file(),
                DemoChart.accuracyPng(runs, chance, chart.title()),
                "Held-out accuracy per run with its 95% interval, and a dashed line at chance.")));
  }

  /** {@return the claim, the measured difference with its 95% interval, and the verdict} */
  static String finding(Claim c, List<DemoRun> runs) {
    Optional<DemoRun> better = find(runs, c.better());
    Optional<DemoRun> worse = find(runs, c.worse());
    if (better.isEmpty() || worse.isEmpty()) {
      return "Paper: " + c.text() + ". Demo: not run: " + Verdict.INCONCLUSIVE.words() + ".";
    }
    Proportion b = better.get().heldOut();
    Proportion w = worse.get().heldOut();
    Proportion.Interval d = b.difference(w);
    return String.format(
        Locale.ROOT,
        "Paper: %s. Demo: %s %s against %s %s, a difference of %+.1f points (95%%: %+.1f to %+.1f): %s.",
        c.text(),
        c.better(),
        DemoTable.accuracy(b.value()),
        c.worse(),
        DemoTable.accuracy(w.value()),
        100 * (b.value() - w.value()),
        100 * d.low(),
        100 * d.high(),
        Verdict.beats(b, w).words());
  }

  private static Optional<DemoRun> find(List<DemoRun> runs, String label) {
    return runs.stream().filter(r -> r.strategy().equals(label)).findFirst();
  }
}
