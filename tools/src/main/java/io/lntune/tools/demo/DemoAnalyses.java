package io.lntune.tools.demo;

import io.lntune.training.analysis.LayerSimilarity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the demo measured for the paper's analyses, beyond the strategy comparison: each list
 * becomes a section of the report ({@link AnalysisSections}); an empty list gives a section that
 * says what was not run and how to run it.
 *
 * <pre>{@code
 * DemoAnalyses a = new DemoAnalyses(List.of(new DemoAnalyses.Similarity("LAYERNORM", s)),
 *     PaperScale.rows(), connectorRuns, dataTypeRuns, List.of());
 * }</pre>
 *
 * @param similarity layer similarity of the stage-2 models, LAYERNORM and FULL (the paper's Table
 *     6)
 * @param paperScale trainable parameters and memory per strategy of the LLaVA v1 presets ({@link
 *     PaperScale#rows})
 * @param connectorAblation held-out accuracy of connector only, LayerNorm only and both (the
 *     paper's Table 4), labelled as {@link DemoAblations} names them
 * @param dataTypeAblation held-out accuracy of LAYERNORM trained on one kind of instruction data or
 *     on all kinds at an equal budget (the paper's Figure 2), labelled as {@link DemoAblations}
 *     names them
 * @param gradientVariance the gradient variance of each strategy's stage-2 run at the steps that
 *     measured it
 */
public record DemoAnalyses(
    List<Similarity> similarity,
    List<PaperScale.Row> paperScale,
    List<DemoRun> connectorAblation,
    List<DemoRun> dataTypeAblation,
    List<GradientVariance> gradientVariance) {

  /**
   * One stage-2 model's layer similarity on held-out samples.
   *
   * @param strategy the strategy that trained it
   * @param similarity its cosine and linear-CKA matrices
   */
  public record Similarity(String strategy, LayerSimilarity similarity) {}

  /**
   * One strategy's gradient variance during stage 2, at the steps that measured it: the variance of
   * the gradient across the micro-batches of an accumulated step, averaged over every trainable
   * element (the trainer's gradient statistics for all groups together, {@code GradientNoise.ALL}).
   *
   * @param strategy the strategy
   * @param steps the measured steps, increasing; at least two, for an interval
   * @param variances the variance at each of {@code steps}; positive and finite
   */
  public record GradientVariance(String strategy, List<Long> steps, List<Double> variances) {
    /** Copies the lists; checks them, the message naming the strategy and the bad value. */
    public GradientVariance {
      Objects.requireNonNull(strategy, "strategy");
      steps = List.copyOf(steps);
      variances = List.copyOf(variances);
      if (steps.size() != variances.size() || steps.size() < 2) {
        throw new IllegalArgumentException(
            strategy
                + ": need as many variances as steps, at least 2; got "
                + variances.size()
                + " variances at "
                + steps.size()
                + " steps");
      }
      for (int i = 0; i < steps.size(); i++) {
        if (i > 0 && steps.get(i) <= steps.get(i - 1)) {
          throw new IllegalArgumentException(
              strategy
                  + ": steps must increase, got "
                  + steps.get(i)
                  + " after "
                  + steps.get(i - 1));
        }
        double v = variances.get(i);
        if (!(v > 0 && v < Double.POSITIVE_INFINITY)) {
          throw new IllegalArgumentException(
              strategy + ": the variance at step " + steps.get(i) + " must be positive, got " + v);
        }
      }
    }

    /** {@return the variance at each measured step} */
    Map<Long, Double> byStep() {
      Map<Long, Double> out = new LinkedHashMap<>();
      for (int i = 0; i < steps.size(); i++) {
        out.put(steps.get(i), variances.get(i));
      }
      return out;
    }
  }

  /** Copies every list. */
  public DemoAnalyses {
    similarity = List.copyOf(Objects.requireNonNull(similarity, "similarity"));
    paperScale = List.copyOf(Objects.requireNonNull(paperScale, "paperScale"));
    connectorAblation = List.copyOf(Objects.requireNonNull(connectorAblation, "connectorAblation"));
    dataTypeAblation = List.copyOf(Objects.requireNonNull(dataTypeAblation, "dataTypeAblation"));
    gradientVariance = List.copyOf(Objects.requireNonNull(gradientVariance, "gradientVariance"));
  }

  /** {@return no analyses: every section says it was not run} */
  public static DemoAnalyses none() {
    return new DemoAnalyses(List.of(), List.of(), List.of(), List.of(), List.of());
  }
}
