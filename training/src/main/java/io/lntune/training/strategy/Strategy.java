package io.lntune.training.strategy;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a finetuning run trains (the paper's comparison set; docs/MODELS.md, "The method"). Every
 * strategy but {@link #LAYERNORM_SIMPLE} and {@link #CONNECTOR_ONLY} also trains the
 * vision-language connector, the token embeddings and the output head, as the paper does by
 * default; the vision tower stays frozen.
 *
 * <pre>{@code
 * Selection s = Selection.of(Strategy.LAYERNORM);     // norms of every block + final norm + connector + embed + head
 * }</pre>
 */
public enum Strategy {
  /** Both RMSNorms of every decoder block and the final norm (the paper's main method). */
  LAYERNORM(true, 3e-3),
  /** The norms alone: about 0.004% of a 7B model. */
  LAYERNORM_SIMPLE(false, 1e-2),
  /**
   * Low-rank adapters on the blocks' linear layers (default q,k,v,o,gate,up,down; r=64, alpha=16).
   */
  LORA(true, 2e-4),
  /** The q_proj and v_proj weights of every block. */
  ATTN_QV(true, 2e-5),
  /** The gate_proj, up_proj and down_proj weights of every block. */
  ATTN_MLP(true, 2e-5),
  /** Everything in the language model. */
  FULL(true, 2e-5),
  /** The connector only: stage 1, feature alignment. */
  CONNECTOR_ONLY(false, 1e-3);

  private final boolean withConnectorAndEmbeddings;
  private final double defaultLearningRate;

  Strategy(boolean withConnectorAndEmbeddings, double defaultLearningRate) {
    this.withConnectorAndEmbeddings = withConnectorAndEmbeddings;
    this.defaultLearningRate = defaultLearningRate;
  }

  /** {@return whether the connector, token embeddings and output head train too} */
  public boolean withConnectorAndEmbeddings() {
    return withConnectorAndEmbeddings;
  }

  /**
   * {@return the learning rate used when none is given} LayerNorm gains need a far larger rate than
   * LoRA or full finetuning (order 1e-3..1e-2 against 2e-4 and 2e-5, the LLaVA scripts' values for
   * the latter two).
   */
  public double defaultLearningRate() {
    return defaultLearningRate;
  }

  /**
   * Parses a strategy name, case-insensitively, with {@code -} or {@code _}.
   *
   * @throws IllegalArgumentException listing the strategies
   */
  public static Strategy parse(String name) {
    String n = name.strip().toUpperCase(Locale.ROOT).replace('-', '_');
    for (Strategy s : values()) {
      if (s.name().equals(n)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown strategy '" + name + "': expected one of " + Arrays.toString(values()));
  }
}
