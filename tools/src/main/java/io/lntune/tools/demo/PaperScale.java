package io.lntune.tools.demo;

import io.lntune.tools.MemoryEstimate;
import io.lntune.tools.ParameterBudget;
import io.lntune.torch.ByteSize;
import io.lntune.training.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The paper-scale side of the report: what {@code lntune params} gives for the LLaVA v1 presets
 * (trainable parameters and training memory per strategy, bf16 weights, one sequence of 2,048
 * tokens on CUDA, LoRA at LLaVA's rank 64), and the paper's two efficiency claims at 13B beside
 * lntune's figures: LayerNorm tuning trains 41.9% fewer parameters than LoRA and takes 17.6% less
 * GPU memory.
 */
final class PaperScale {
  /** The presets, 7B and 13B. */
  static final List<String> PRESETS = List.of("llava-v1-llama2-7b", "llava-v1-llama2-13b");

  /** The strategies compared: the paper's efficiency table (Table 2). */
  static final List<Strategy> STRATEGIES =
      List.of(Strategy.LAYERNORM, Strategy.LAYERNORM_SIMPLE, Strategy.LORA, Strategy.FULL);

  /** Tokens per sequence: LLaVA's {@code model_max_length}. */
  static final long SEQUENCE = 2048;

  /** The section's chart file. */
  static final String CHART = "paper-scale.png";

  /** The paper's claimed reduction of trainable parameters, LAYERNORM against LORA at 13B. */
  static final double PAPER_PARAMETERS = 41.9;

  /** The paper's claimed reduction of GPU memory, LAYERNORM against LORA at 13B. */
  static final double PAPER_MEMORY = 17.6;

  /**
   * How far, in percentage points, lntune's reduction may lie from the paper's and still agree. The
   * counts are exact, so 1 point allows for rounding and the unstated details (which special tokens
   * were added); the memory protocol (batch, sequence, recomputation, allocator overhead) is not
   * published, so 5 points.
   */
  static final double PARAMETER_TOLERANCE = 1;

  static final double MEMORY_TOLERANCE = 5;

  /**
   * One strategy on one preset.
   *
   * @param preset the preset's name
   * @param strategy the strategy's name
   * @param trainable the parameters it trains
   * @param total all parameters, adapters included (as the paper counts LoRA's share)
   * @param memory the training memory estimate for one sequence of {@link #SEQUENCE} tokens
   */
  record Row(String preset, String strategy, long trainable, long total, MemoryEstimate memory) {
    /** {@return the trainable share in percent} */
    double trainablePercent() {
      return 100.0 * trainable / total;
    }

    /** {@return the estimated training memory, with or without activation recomputation} */
    long memoryBytes(boolean recompute) {
      return memory.fixed() + (recompute ? memory.recomputedActivations() : memory.activations());
    }
  }

  private PaperScale() {}

  /** {@return every strategy on every preset, counted on the meta device (under a second each)} */
  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (String preset : PRESETS) {
      for (Strategy s : STRATEGIES) {
        ParameterBudget b = ParameterBudget.ofPreset(preset, s, SEQUENCE);
        rows.add(new Row(preset, s.name(), b.trainable(), b.total(), b.memory()));
      }
    }
    return rows;
  }

  /** {@return the report's section: the table, its chart and the two claims with their verdicts} */
  static ReportSection section(List<Row> rows) {
    List<List<String>> cells = new ArrayList<>();
    for (Row r : rows) {
      cells.add(
          List.of(
              r.preset(),
              r.strategy(),
              String.format(Locale.ROOT, "%,d", r.trainable()),
              DemoTable.share(r.trainablePercent()),
              ByteSize.format(r.memory().fixed()),
              ByteSize.format(r.memory().activations()),
              ByteSize.format(r.memoryBytes(false)),
              ByteSize.format(r.memoryBytes(true))));
    }
    return new ReportSection(
        "Paper scale: trainable parameters and memory (lntune params)",
        List.of(
            "What lntune params counts for the LLaVA v1 presets on the meta device, and its memory "
                + "estimate for training one sequence of "
                + SEQUENCE
                + " tokens in bf16 on CUDA (fixed: weights, fp32 masters, gradients and AdamW state; "
                + "activations: the tensors each strategy keeps for its backward). LoRA at rank 64, "
                + "alpha 16, on every linear layer of the blocks, as LLaVA's scripts."),
        List.of(
            "preset",
            "strategy",
            "trainable params",
            "trainable share",
            "fixed memory",
            "activations",
            "total",
            "total, recomputed"),
        cells,
        claims(rows),
        rows.isEmpty()
            ? List.of()
            : List.of(
                new ReportSection.Figure(
                    CHART,
                    PaperScaleChart.png(rows),
                    "Trainable share (log scale) and estimated training memory with activation "
                        + "recomputation, per strategy and preset.")));
  }

  /** {@return the paper's two claims at 13B, each with lntune's figure and a verdict} */
  static List<String> claims(List<Row> rows) {
    String preset = PRESETS.get(1);
    Optional<Row> ln = find(rows, preset, Strategy.LAYERNORM);
    Optional<Row> lora = find(rows, preset, Strategy.LORA);
    if (ln.isEmpty() || lora.isEmpty()) {
      return List.of(
          "The paper's 13B claims: not computed (no LAYERNORM and LORA rows for " + preset + ").");
    }
    Row l = ln.get();
    Row r = lora.get();
    double shares = 100 * (1 - l.trainablePercent() / r.trainablePercent());
    double counts = 100 * (1 - (double) l.trainable() / r.trainable());
    double memory = 100 * (1 - (double) l.memoryBytes(false) / r.memoryBytes(false));
    double recomputed = 100 * (1 - (double) l.memoryBytes(true) / r.memoryBytes(true));
    return List.of(
        String.format(
            Locale.ROOT,
            "Paper: LayerNorm tuning trains %.1f%% fewer parameters than LoRA at 13B. lntune: %.1f%% "
                + "fewer by trainable share (the paper's way: each share of its own model, adapters "
                + "counted), %.1f%% fewer by count: %s (within %.0f point).",
            PAPER_PARAMETERS,
            shares,
            counts,
            verdict(shares, PAPER_PARAMETERS, PARAMETER_TOLERANCE).words(),
            PARAMETER_TOLERANCE),
        String.format(
            Locale.ROOT,
            "Paper: LayerNorm tuning takes %.1f%% less GPU memory than LoRA at 13B. lntune's "
                + "estimate with activation recomputation (LLaVA's training scripts turn it on): "
                + "%.1f%% less; without: %.1f%% less. %s (within %.0f points of the estimate with "
                + "recomputation; the paper's memory protocol is not published).",
            PAPER_MEMORY,
            recomputed,
            memory,
            capitalised(verdict(recomputed, PAPER_MEMORY, MEMORY_TOLERANCE).words()),
            MEMORY_TOLERANCE));
  }

  /**
   * {@return agrees when {@code ours} is within {@code tolerance} points of {@code paper}, does not
   * otherwise} Estimates have no sampling noise, so no inconclusive.
   */
  private static Verdict verdict(double ours, double paper, double tolerance) {
    return Math.abs(ours - paper) <= tolerance ? Verdict.AGREES : Verdict.DOES_NOT_AGREE;
  }

  private static String capitalised(String words) {
    return Character.toUpperCase(words.charAt(0)) + words.substring(1);
  }

  private static Optional<Row> find(List<Row> rows, String preset, Strategy s) {
    return rows.stream()
        .filter(r -> r.preset().equals(preset) && r.strategy().equals(s.name()))
        .findFirst();
  }
}
