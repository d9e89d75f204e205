package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lntune.models.llama.LlamaConfig;
import io.lntune.torch.DType;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ActivationMemoryTest {
  /** Width 8, MLP 16, 2 layers of 2 heads of 4, vocabulary 32, in bf16. */
  private static final LlamaConfig HAND = config(8, 16, 2, 2, 32);

  /**
   * The bench's {@code small}: LLaMA-shaped, width 768, 12 layers, vocabulary 8192, one sequence of
   * 512 tokens.
   */
  private static final LlamaConfig SMALL = config(768, 2048, 12, 12, 8192);

  private static LlamaConfig config(long width, long mlp, int layers, int heads, long vocab) {
    return new LlamaConfig(
        width,
        mlp,
        layers,
        heads,
        heads,
        1e-5,
        10000.0,
        1.0,
        vocab,
        4096,
        false,
        1,
        List.of(2L),
        0,
        Optional.of(DType.BF16));
  }

  /**
   * The decoder alone, as the bench trains it: its input needs a gradient when the token embeddings
   * train.
   */
  private static long decoderAlone(
      LlamaConfig c, Strategy s, boolean cpu, long tokens, boolean recompute) {
    Selection selection = Selection.of(s);
    return ActivationMemory.bytes(
        c,
        DType.BF16,
        cpu,
        selection::trains,
        s == Strategy.LORA ? LoraConfig.defaults() : null,
        selection.trains("model.embed_tokens.weight"),
        1,
        tokens,
        recompute);
  }

  @Test
  void countsLayerNormTuningByHand() {
    // one sequence of 4 tokens on CUDA (attention in bf16): N = 4 tokens, D = 8, I = 16, head dim
    // 4, V = 32
    long embeds = 2 * 4 * 8;
    long rope =
        8 * 4
            + 4 * 4
            + 4 * 4
            + 4 * 4 * 2
            + 3 * 4 * 4 * 4
            + 2 * 2 * 4 * 4; // positions .. bf16 cos, sin
    long norm = 4 * 4 * 8 + 4 * 4 + 2 * 4 * 8; // fp32 input, rsqrt, normed (the gain trains)
    long attention =
        4 * (2 * 4 * 8) + 4 * 2 * 4; // q, k, v and output in bf16, log-sum-exp [2 heads, 4]
    long mlp = 3 * (2 * 4 * 16); // gate (silu's input), up and silu (the product's factors)
    long output = 2 * 4 * 8; // in the step's scope
    long layer = norm + attention + norm + mlp + output;
    long finalNorm = norm + output; // what the backward saves, and its output
    // the 3 predicting positions' bf16 rows, which the trained head saves, and the fp32
    // log-probabilities; the logits and their fp32 copy are temporaries of the loss's scope
    long loss = 2 * 3 * 8 + 4 * 3 * 32;
    assertThat(decoderAlone(HAND, Strategy.LAYERNORM, false, 4, false))
        .isEqualTo(embeds + rope + 2 * layer + finalNorm + loss);
    // recomputation: the first layer's residual stream after attention and the second layer's
    // input, kept without a graph, then the last layer's graph alone
    assertThat(decoderAlone(HAND, Strategy.LAYERNORM, false, 4, true))
        .isEqualTo(embeds + rope + 2 * (2 * 4 * 8) + layer + finalNorm + loss);
  }

  @Test
  void countsEachAdaptersInputMaskAndLowRankProduct() {
    Predicate<String> base = ParameterNames.EMBEDDINGS.or(ParameterNames.HEAD);
    Predicate<String> adapted = base.or(ParameterNames.LORA);
    LoraConfig lora = new LoraConfig(2, 16, 0.05, LoraConfig.ALL_BLOCK_LINEARS);
    for (boolean cpu : new boolean[] {true, false}) {
      long without = ActivationMemory.bytes(HAND, DType.BF16, cpu, base, null, true, 1, 4, false);
      long with = ActivationMemory.bytes(HAND, DType.BF16, cpu, adapted, lora, true, 1, 4, false);
      // per adapter, on either device: dropout's bool mask, A's bf16 input after dropout, and A's
      // scaled output [4, r] that B saves; six adapters read the width 8, down_proj's the MLP
      // width 16
      long layer = 6 * ((1 + 2) * 4 * 8 + 2 * 4 * 2) + (1 + 2) * 4 * 16 + 2 * 4 * 2;
      assertThat(with - without).as(cpu ? "cpu" : "cuda").isEqualTo(2 * layer);
    }
  }

  @Test
  void fp32CastsOfAnFp32ModelAreTheTensorsThemselves() {
    Selection ln = Selection.of(Strategy.LAYERNORM);
    long bf16 =
        ActivationMemory.bytes(HAND, DType.BF16, false, ln::trains, null, true, 1, 4, false);
    long fp32 = ActivationMemory.bytes(HAND, DType.F32, false, ln::trains, null, true, 1, 4, false);
    assertThat(fp32).isLessThan(2 * bf16); // twice the bytes per element, fewer copies
  }

  /**
   * The bench's activation memory ({@code activationBytes}) on {@code small} for each strategy,
   * measured with {@code lntune bench --size small} (its memory runs:
   * MALLOC_MMAP_THRESHOLD_=131072, bf16, CPU, one sequence of 512 tokens): the estimate is within
   * 10% of each (the criterion). Remeasure when the model code changes.
   */
  @Test
  void reproducesTheBenchsMeasuredActivationsOnSmall() {
    record Measured(Strategy strategy, boolean recompute, double mib) {}
    List<Measured> measured =
        List.of(
            new Measured(Strategy.LAYERNORM, false, 256.6),
            new Measured(Strategy.LAYERNORM, true, 58.8),
            new Measured(Strategy.LAYERNORM_SIMPLE, false, 252.7),
            new Measured(Strategy.LAYERNORM_SIMPLE, true, 58.0),
            new Measured(Strategy.LORA, false, 357.5),
            new Measured(Strategy.FULL, false, 308.1),
            new Measured(Strategy.FULL, true, 63.0),
            new Measured(Strategy.ATTN_QV, false, 246.9),
            new Measured(Strategy.ATTN_QV, true, 57.0),
            new Measured(Strategy.ATTN_MLP, false, 271.0),
            new Measured(Strategy.ATTN_MLP, true, 58.9));
    for (Measured m : measured) {
      double estimate = decoderAlone(SMALL, m.strategy(), true, 512, m.recompute()) / 1048576.0;
      assertThat(estimate).as(m.toString()).isCloseTo(m.mib(), within(0.1 * m.mib()));
    }
    // LORA with recomputation is not in the list. Its last layer's graph keeps the adapters' masks
    // and inputs (7.9 MiB more than LAYERNORM's, estimated), which the memory JVMs do not show with
    // recomputation (57.7 MiB measured, against LAYERNORM's 58.8), though without it they show
    // every layer's (357.5 against 358.6 estimated); the cause is not known. With glibc's trimming
    // left on, LORA kept 11.6 MiB more than LAYERNORM once (52.3 against 40.7 MiB) and 4.7 MiB more
    // on the current code (39.1 against 34.4).
    double lora = decoderAlone(SMALL, Strategy.LORA, true, 512, true) / 1048576.0;
    double layerNorm = decoderAlone(SMALL, Strategy.LAYERNORM, true, 512, true) / 1048576.0;
    assertThat(lora - layerNorm).isCloseTo(11.6, within(0.4 * 11.6));
  }

  /**
   * CONNECTOR_ONLY trains nothing in the decoder, but LLaVA's image tokens come from the connector,
   * so the decoder's input needs a gradient and every layer keeps what backpropagating to it takes.
   * The bench cannot train a decoder alone so: this was measured as the bench measures, on {@code
   * small} with only the token embeddings trainable (whose own gradient saves nothing but the ids),
   * which gives the decoder the same input.
   */
  @Test
  void connectorOnlyKeepsWhatTheInputsGradientNeeds() {
    Selection connector = Selection.of(Strategy.CONNECTOR_ONLY);
    double[] measured = {237.6, 57.7}; // without and with recomputation
    for (int i = 0; i < 2; i++) {
      double estimate =
          ActivationMemory.bytes(
                  SMALL, DType.BF16, true, connector::trains, null, true, 1, 512, i == 1)
              / 1048576.0;
      assertThat(estimate).isCloseTo(measured[i], within(0.1 * measured[i]));
    }
  }
}
