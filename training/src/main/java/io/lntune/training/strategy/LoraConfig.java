package io.lntune.training.strategy;

import java.util.List;
import java.util.Set;

/**
 * Low-rank adapters: {@code W x + (alpha / r) * B A dropout(x)} on each targeted linear layer, with
 * A [r, in] initialised as PEFT does (Kaiming-uniform) and B [out, r] zero, so training starts from
 * the base model.
 *
 * <pre>{@code
 * LoraConfig lora = LoraConfig.defaults();                 // r=64, alpha=16, dropout 0.05, all block linears
 * LoraConfig qv = new LoraConfig(8, 16, 0.0, List.of("q_proj", "v_proj"));
 * }</pre>
 *
 * @param r the rank
 * @param alpha the scale numerator
 * @param dropout dropout on the adapter's input while training
 * @param targets the module names adapted (the last part of the name: q_proj, k_proj, ...)
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targets) {
  /** The linear layers of a LLaMA block, LLaVA's and the paper's LoRA targets. */
  public static final List<String> ALL_BLOCK_LINEARS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public LoraConfig {
    targets = List.copyOf(targets);
    if (r < 1) {
      throw new IllegalArgumentException("LoRA rank r must be >= 1, got " + r);
    }
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("LoRA alpha must be > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    if (targets.isEmpty() || !Set.copyOf(ALL_BLOCK_LINEARS).containsAll(targets)) {
      throw new IllegalArgumentException(
          "LoRA targets must be a non-empty subset of " + ALL_BLOCK_LINEARS + ", got " + targets);
    }
  }

  /**
   * {@return r=64, alpha=16, dropout 0.05 on every block linear (LLaVA's defaults, as the paper
   * compares)}
   */
  public static LoraConfig defaults() {
    return new LoraConfig(64, 16, 0.05, ALL_BLOCK_LINEARS);
  }

  public LoraConfig withRank(int rank) {
    return new LoraConfig(rank, alpha, dropout, targets);
  }

  /** {@return alpha / r} */
  public double scale() {
    return alpha / r;
  }
}
