package io.lntune.tools.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The report's gradient-variance section: per strategy, the geometric mean of its per-step gradient
 * variances with a 95% interval ({@link GeometricMean}), LAYERNORM's variance as a ratio of each
 * other strategy's at the same steps, a chart of both, and the verdict on the paper's claim that
 * LayerNorm tuning's gradients vary less than full finetuning's and LoRA's: agrees when each of
 * those ratios' 95% interval lies below 1, does not when one lies above, inconclusive otherwise.
 */
final class GradientVarianceSection {
  /** The strategy the claim is about. */
  static final String LAYERNORM = "LAYERNORM";

  static final String TITLE = "Gradient variance per strategy";

  static final String CHART = "gradient-variance.png";

  /** The strategies the paper compares LayerNorm tuning with. */
  private static final List<String> BASELINES = List.of("FULL", "LORA");

  private static final String PROTOCOL =
      "Each stage-2 run takes its batch in two micro-batches and, about twenty times in the run, "
          + "measures the variance of the gradient across them (per element of what the strategy "
          + "trains, averaged over those elements: the noise one trained parameter sees). Per "
          + "strategy, the geometric mean of its measurements with a 95% interval (Student's t on "
          + "their logarithms); LAYERNORM's variance against each other strategy's as the geometric "
          + "mean of their ratios step by step (every strategy sees the same micro-batches at a "
          + "step), with its 95% interval. The paper finds LayerNorm tuning's gradients less "
          + "variable than full finetuning's and LoRA's; the verdict compares with those two.";

  private GradientVarianceSection() {}

  /** {@return the section; one that says so when nothing was measured} */
  static ReportSection of(List<DemoAnalyses.GradientVariance> strategies) {
    if (strategies.isEmpty()) {
      return new ReportSection(
          TITLE,
          List.of(
              PROTOCOL, "Not measured: no stage-2 run recorded two or more gradient variances."),
          List.of(),
          List.of(),
          List.of(),
          List.of());
    }
    Map<String, GeometricMean> ratios = ratios(strategies);
    List<List<String>> rows = new ArrayList<>();
    for (DemoAnalyses.GradientVariance g : strategies) {
      GeometricMean mean = GeometricMean.of(g.variances());
      GeometricMean ratio = ratios.get(g.strategy());
      rows.add(
          List.of(
              g.strategy(),
              Integer.toString(mean.n()),
              String.format(Locale.ROOT, "%.3g", mean.value()),
              String.format(Locale.ROOT, "%.3g to %.3g", mean.low(), mean.high()),
              ratio == null
                  ? ""
                  : String.format(
                      Locale.ROOT,
                      "%.3g (%.3g to %.3g)",
                      ratio.value(),
                      ratio.low(),
                      ratio.high())));
    }
    return new ReportSection(
        TITLE,
        List.of(PROTOCOL),
        List.of(
            "strategy",
            "measurements",
            "geometric mean variance",
            "95% interval",
            "LAYERNORM / this (95% interval)"),
        rows,
        List.of(finding(strategies)),
        List.of(
            new ReportSection.Figure(
                CHART,
                GradientVarianceChart.png(strategies, ratios),
                "Gradient variance at each measured step per strategy (log scale), and LAYERNORM's "
                    + "variance divided by each other strategy's with its 95% interval.")));
  }

  /**
   * {@return the paper's claim, LAYERNORM's ratio to each other strategy, and the verdict}: judged
   * on the paper's baselines, full finetuning and LoRA, alone; the ratios to the other strategies
   * are given beside it, since they train other, far smaller sets (a few norms, or only the
   * connector), whose per-element noise says nothing about tuning LayerNorm instead of the whole
   * model
   */
  static String finding(List<DemoAnalyses.GradientVariance> strategies) {
    String claim =
        "Paper: LayerNorm tuning's gradients vary less than full finetuning's and LoRA's.";
    if (strategies.stream().noneMatch(g -> g.strategy().equals(LAYERNORM))) {
      return claim + " Demo: LAYERNORM was not measured: " + Verdict.INCONCLUSIVE.words() + ".";
    }
    Map<String, GeometricMean> ratios = ratios(strategies);
    Map<String, GeometricMean> judged = new LinkedHashMap<>(ratios);
    judged.keySet().retainAll(BASELINES);
    if (judged.isEmpty()) {
      return claim
          + " Demo: neither FULL nor LORA was measured at two of LAYERNORM's steps: "
          + Verdict.INCONCLUSIVE.words()
          + ".";
    }
    Map<String, GeometricMean> others = new LinkedHashMap<>(ratios);
    others.keySet().removeAll(BASELINES);
    String finding =
        String.format(
            Locale.ROOT,
            "%s Demo: LAYERNORM's variance is %s: %s.",
            claim,
            describe(judged),
            Verdict.all(judged.values().stream().map(Verdict::below).toList()).words());
    return others.isEmpty()
        ? finding
        : finding
            + " Beside the claim, as they train other and far smaller sets: "
            + describe(others)
            + ".";
  }

  private static String describe(Map<String, GeometricMean> ratios) {
    List<String> parts = new ArrayList<>();
    ratios.forEach(
        (strategy, r) ->
            parts.add(
                String.format(
                    Locale.ROOT,
                    "%.3gx %s's (95%%: %.3g to %.3g)",
                    r.value(),
                    strategy,
                    r.low(),
                    r.high())));
    return String.join(", ", parts);
  }

  /**
   * {@return LAYERNORM's variance over each other strategy's, at the steps both measured, by
   * strategy in order; a strategy with fewer than two such steps is left out}
   */
  static Map<String, GeometricMean> ratios(List<DemoAnalyses.GradientVariance> strategies) {
    Map<String, GeometricMean> out = new LinkedHashMap<>();
    Optional<DemoAnalyses.GradientVariance> ln =
        strategies.stream().filter(g -> g.strategy().equals(LAYERNORM)).findFirst();
    if (ln.isEmpty()) {
      return out;
    }
    Map<Long, Double> reference = ln.get().byStep();
    for (DemoAnalyses.GradientVariance other : strategies) {
      if (other == ln.get()) {
        continue;
      }
      List<Double> numerators = new ArrayList<>();
      List<Double> denominators = new ArrayList<>();
      other
          .byStep()
          .forEach(
              (step, v) -> {
                if (reference.containsKey(step)) {
                  numerators.add(reference.get(step));
                  denominators.add(v);
                }
              });
      if (numerators.size() >= 2) {
        out.put(other.strategy(), GeometricMean.ratio(numerators, denominators));
      }
    }
    return out;
  }
}
