package io.lntune.tools;

import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.nn.Attention;
import io.lntune.torch.DType;
import io.lntune.training.strategy.LoraConfig;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The activation memory of one training forward of the language model: the bytes of every tensor
 * that is still alive when the forward and the loss return, which is what {@code lntune bench}
 * measures as {@code activationBytes} (the resident set after the loss minus before the forward).
 * It replays, op by op, what lntune's own code does: {@code LlamaModel}, {@code LlamaDecoderLayer},
 * {@code LlamaAttention}, {@code LlamaMlp}, {@code RotaryEmbedding}, {@code RecomputedLayers},
 * {@code RmsNorm}, {@code Lora}'s adapter and {@code CausalLmLoss}. A tensor stays alive when
 * autograd saves it for the backward, which depends on what requires a gradient (the ATen formulas
 * save a factor of a product only for the other factor's gradient), or when the step's {@code
 * TensorScope} still holds it: each decoder layer, the final norm and the loss run in scopes of
 * their own that free their temporaries, but every layer's output, the final norm's, the embeddings
 * and the rotary angles live until the step's scope closes.
 *
 * <p>Tensors are tracked as storages by name, so that a tensor saved by several ops (the input of
 * q, k and v), a view, or a cast to the dtype a tensor already has ({@code to} then returns the
 * tensor itself) counts once. Attention is counted as {@link Attention} runs it, with no padding
 * mask: the fused kernels (flash attention, on CUDA, in fp32 on the CPU, and for bf16 on the CPU
 * above its limit) save state that grows linearly with the sequence; bf16 on the CPU below the
 * limit saves its [B, H, T, T] probabilities. The vision tower runs without a graph when it is
 * frozen (as every strategy leaves it) and is not counted; nor is the connector's own input, a few
 * MiB per image. Nor are a few bytes per token (the labels, the mask of supervised tokens, the CPU
 * generator's states).
 */
final class ActivationMemory {
  private final LlamaConfig config;
  private final DType dtype;
  private final boolean cpu;
  private final Predicate<String> trains;
  private final LoraConfig lora;
  private final boolean embedsNeedGrad;
  private final long batch;
  private final long tokens; // batch x sequence
  private final long sequence;

  private final Ledger ledger = new Ledger();

  private ActivationMemory(
      LlamaConfig config,
      DType dtype,
      boolean cpu,
      Predicate<String> trains,
      LoraConfig lora,
      boolean embedsNeedGrad,
      long batch,
      long sequence) {
    this.config = config;
    this.dtype = dtype;
    this.cpu = cpu;
    this.trains = trains;
    this.lora = lora;
    this.embedsNeedGrad = embedsNeedGrad;
    this.batch = batch;
    this.sequence = sequence;
    this.tokens = batch * sequence;
  }

  /**
   * {@return the bytes alive after a training forward and its loss over {@code batch} unpadded
   * sequences of {@code sequence} tokens} See the class comment for what counts.
   *
   * @param config the language model
   * @param dtype the model's dtype (the frozen weights and the activations)
   * @param cpu whether it runs on the CPU, where bf16 attention runs in fp32
   * @param trains whether the parameter of that name trains, by the model's names ({@code
   *     model.layers.0.mlp.up_proj.weight}, {@code model.layers.0.self_attn.q_proj.lora_A.weight},
   *     {@code lm_head.weight}, ...)
   * @param lora the adapters on the block linears, or null for none
   * @param embedsNeedGrad whether the decoder's input embeddings need a gradient (when the token
   *     embeddings train or, in LLaVA, the connector that makes the image tokens)
   * @param batch sequences
   * @param sequence tokens per sequence
   * @param recompute whether activation recomputation is on ({@code
   *     io.lntune.training.loop.Recomputation})
   * @throws IllegalArgumentException for an empty batch or a sequence of fewer than 2 tokens
   */
  static long bytes(
      LlamaConfig config,
      DType dtype,
      boolean cpu,
      Predicate<String> trains,
      LoraConfig lora,
      boolean embedsNeedGrad,
      long batch,
      long sequence,
      boolean recompute) {
    if (batch < 1 || sequence < 2) {
      throw new IllegalArgumentException(
          "need a batch >= 1 and a sequence >= 2 tokens, got " + batch + " x " + sequence);
    }
    return new ActivationMemory(
            Objects.requireNonNull(config, "config"),
            dtype,
            cpu,
            trains,
            lora,
            embedsNeedGrad,
            batch,
            sequence)
        .forward(recompute);
  }

  /** A tensor: the name of its storage and whether it requires a gradient. */
  private record Value(String storage, boolean grad) {}

  /** Every storage made, by name, and the ones alive when the loss returns. */
  private static final class Ledger {
    private final Map<String, Long> sizes = new HashMap<>();
    private final Set<String> alive = new LinkedHashSet<>();

    String make(String name, long bytes) {
      sizes.put(name, bytes);
      return name;
    }

    void keep(String storage) {
      alive.add(storage);
    }

    long total() {
      return alive.stream().mapToLong(sizes::get).sum();
    }
  }

  /** LlamaModel.hiddenStates, then CausalLmLoss.ofSupervised. */
  private long forward(boolean recompute) {
    long d = config.hiddenSize();
    long hd = config.headDim();
    // embed(): the token embeddings [B, T, D]; an embedding saves only the ids for its weight's
    // gradient
    Value x = new Value(kept("embeds", width() * tokens * d), embedsNeedGrad);
    // RotaryEmbedding.angles, in the step's scope: positions (arange [T], expanded), their fp32
    // copy and its
    // division, the frequencies [B, T, hd/2], cat'ed to [B, 1, T, hd], their cos and sin, and both
    // cast to the dtype
    kept("positions", 8 * sequence);
    kept("rope.pos", 4 * tokens);
    kept("rope.scaled", 4 * tokens);
    kept("rope.freqs", 4 * tokens * hd / 2);
    kept("rope.emb", 4 * tokens * hd);
    String cos = kept("rope.cos32", 4 * tokens * hd);
    String sin = kept("rope.sin32", 4 * tokens * hd);
    ledger.keep(cast(cos, tokens * hd));
    ledger.keep(cast(sin, tokens * hd));
    int layers = config.numHiddenLayers();
    if (recompute) {
      // RecomputedLayers.forward: every layer but the last runs without a graph, branch by branch,
      // and each branch's output is kept as the next one's input (the first layer's input is the
      // embeddings themselves, detached)
      for (int i = 0; i < layers - 1; i++) {
        kept("layers." + i + ".h", width() * tokens * d);
        kept("layers." + (i + 1) + ".input", width() * tokens * d);
      }
      String lastInput = layers > 1 ? "layers." + (layers - 1) + ".input" : x.storage();
      // the last layer runs with its graph on a leaf that requires a gradient unless it is the
      // embeddings that need none
      x = new Value(lastInput, layers > 1 || embedsNeedGrad);
      x = layer(layers - 1, x);
    } else {
      for (int i = 0; i < layers; i++) {
        x = layer(i, x); // each output stays in the step's scope as the next layer's input
      }
    }
    // the final norm runs in a scope of its own, as each layer: what autograd saves, and its output
    Value hidden = norm("model.norm", x);
    ledger.keep(hidden.storage());
    // CausalLmLoss.ofSupervised in a scope of its own, every position but each sequence's last
    // supervised: their rows of the hidden states (a copy [N, D], which the head's product saves
    // when the head trains), the logits [N, V] and their fp32 copy (temporaries), and the fp32
    // log-probabilities, which log_softmax and nll_loss save for the backward
    long rows = batch * (sequence - 1);
    String head = config.tieWordEmbeddings() ? "model.embed_tokens" : "lm_head";
    if (trains.test(head + ".weight")) {
      kept("loss.rows", width() * rows * config.hiddenSize());
    }
    kept("loss.logprobs", 4 * rows * config.vocabSize());
    return ledger.total();
  }

  /** LlamaDecoderLayer.forward: {@code h = x + attn(norm(x))}, {@code out = h + mlp(norm(h))}. */
  private Value layer(int index, Value x) {
    String p = "model.layers." + index + ".";
    long d = config.hiddenSize();
    Value attn = attention(p + "self_attn.", norm(p + "input_layernorm", x));
    // an addition saves nothing; h is a temporary of the layer's scope unless an op below saves it
    Value h = new Value(ledger.make(p + "h", width() * tokens * d), x.grad() || attn.grad());
    Value m = mlp(p + "mlp.", norm(p + "post_attention_layernorm", h));
    // the layer's output outlives the layer's scope: TensorScope.returning hands it to the step's
    // scope
    String out = kept(p + "out", width() * tokens * d);
    return new Value(out, h.grad() || m.grad());
  }

  /**
   * RmsNorm.forward: {@code weight * (x32 * rsqrt(mean(x32^2) + eps)).to(in)} with {@code x32 =
   * x.to(Float)}, in a scope that frees what autograd does not save.
   */
  private Value norm(String name, Value x) {
    long d = config.hiddenSize();
    boolean weightTrains = trains.test(name + ".weight");
    String x32 = cast32(x.storage(), tokens * d);
    // square() saves x32; the sum, its scaling and + eps save nothing; rsqrt saves its result
    String rsqrt = ledger.make(name + ".rsqrt", 4 * tokens);
    String scaled =
        ledger.make(name + ".scaled", 4 * tokens * d); // x32 * rsqrt: saves both for x's gradient
    String normed = cast(scaled, tokens * d); // .to(in)
    // weight.mul(normed) saves normed for the weight's gradient (and the weight for normed's); the
    // weight has the model's dtype (fp32 masters live in the optimizer), so the product's .to(in)
    // returns it as it is
    String out = ledger.make(name + ".out", width() * tokens * d);
    if (x.grad()) {
      ledger.keep(x32);
      ledger.keep(rsqrt);
    }
    if (weightTrains) {
      ledger.keep(normed);
    }
    return new Value(out, x.grad() || weightTrains);
  }

  /**
   * LlamaAttention.forward without a cache: projections, rotary embeddings, attention as {@link
   * Attention} runs it, output projection.
   */
  private Value attention(String p, Value x) {
    long d = config.hiddenSize();
    long heads = config.numAttentionHeads();
    long kv = config.numKeyValueHeads() * config.headDim();
    // q and k: the projection (temporary), then rope, whose products save only cos and sin (the
    // angles, kept anyway)
    Value q = rope(linear(p + "q_proj", x, d, p + "q"), d);
    Value k = rope(linear(p + "k_proj", x, kv, p + "k"), kv);
    Value v = linear(p + "v_proj", x, kv, p + "v"); // a view [B, H, T, hd] of the projection
    boolean grad = q.grad() || k.grad() || v.grad();
    long probabilities = batch * heads * sequence * sequence;
    if (Attention.byProducts(cpu, dtype, probabilities)) {
      return attentionByProducts(p, q, k, v, probabilities);
    }
    // on the CPU, bf16 attention beyond the limit runs the fused kernel in fp32: q, k and v are
    // cast, and attention
    // saves the fp32 copies
    boolean upcast = cpu && dtype == DType.BF16;
    long attnWidth = upcast ? 4 : width();
    if (upcast) {
      q = new Value(ledger.make(p + "q32", 4 * tokens * d), q.grad());
      k = new Value(ledger.make(p + "k32", 4 * tokens * kv), k.grad());
      v = new Value(ledger.make(p + "v32", 4 * tokens * kv), v.grad());
    }
    // scaled_dot_product_attention (flash): saves q, k, v, its output and the log-sum-exp [B, H, T]
    // in fp32
    String out = ledger.make(p + "attn", attnWidth * tokens * d);
    if (grad) {
      for (String s :
          new String[] {
            q.storage(), k.storage(), v.storage(), out, ledger.make(p + "lse", 4 * heads * tokens)
          }) {
        ledger.keep(s);
      }
    }
    // o_proj's input: the output transposed to [B, T, H*hd]; the kernels write it as [B, T, H, hd],
    // so the reshape is a view, of the bf16 copy when attention ran in fp32
    String oInput = upcast ? ledger.make(p + "attn.bf16", width() * tokens * d) : out;
    return linear(p + "o_proj", new Value(oInput, grad), d, p + "o");
  }

  /**
   * Attention.products, then o_proj: {@code softmax(masked((q / sqrt(hd)) k^T)) v}. The first
   * product saves the scaled q (a new tensor, or its copy grouped by key head) and k, each for the
   * other's gradient; the causal mask is added to the scores in place and saves nothing; the
   * softmax saves the probabilities, which the second product saves too, with v. Its output,
   * transposed to [B, T, H*hd], is a copy: o_proj's input.
   */
  private Value attentionByProducts(String p, Value q, Value k, Value v, long probabilities) {
    long d = config.hiddenSize();
    boolean grad = q.grad() || k.grad() || v.grad();
    if (grad) {
      ledger.keep(ledger.make(p + "q.scaled", width() * tokens * d));
      ledger.keep(k.storage());
      ledger.keep(v.storage());
      ledger.keep(ledger.make(p + "probabilities", width() * probabilities));
    }
    String oInput = ledger.make(p + "attn.out", width() * tokens * d);
    return linear(p + "o_proj", new Value(oInput, grad), d, p + "o");
  }

  /**
   * {@return {@code x.mul(cos).add(rotateHalf(x).mul(sin))}: a new tensor; the products save only
   * cos and sin}
   */
  private Value rope(Value x, long width) {
    return new Value(ledger.make(x.storage() + ".rope", width() * tokens * width), x.grad());
  }

  /** LlamaMlp.forward: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}. */
  private Value mlp(String p, Value x) {
    long i = config.intermediateSize();
    Value gate = linear(p + "gate_proj", x, i, p + "gate");
    Value up = linear(p + "up_proj", x, i, p + "up");
    String act = ledger.make(p + "silu", width() * tokens * i);
    if (gate.grad()) {
      ledger.keep(gate.storage()); // silu saves its input
    }
    // silu(gate) * up saves each factor for the other's gradient
    if (gate.grad()) {
      ledger.keep(up.storage());
    }
    if (up.grad()) {
      ledger.keep(act);
    }
    Value hidden =
        new Value(ledger.make(p + "hidden", width() * tokens * i), gate.grad() || up.grad());
    return linear(p + "down_proj", hidden, config.hiddenSize(), p + "down");
  }

  /**
   * Linear.forward ({@code x W^T}, plus the adapter's output when it has one). A matrix product
   * saves its input only for the weight's gradient: a frozen linear keeps nothing but its weight.
   */
  private Value linear(String name, Value x, long out, String output) {
    boolean weightTrains = trains.test(name + ".weight");
    if (weightTrains) {
      ledger.keep(x.storage());
    }
    boolean grad = x.grad() || weightTrains;
    String module = name.substring(name.lastIndexOf('.') + 1);
    if (lora != null && lora.targets().contains(module) && name.startsWith("model.layers.")) {
      grad |= adapter(name, x);
    }
    return new Value(ledger.make(output, width() * tokens * out), grad);
  }

  /**
   * Lora's adapter at the model's dtype: {@code B(A(drop(x)) * scale)}, the dropout a bool mask and
   * a {@code where} ({@code PackedDropout}); {@return whether its output requires a gradient}
   */
  private boolean adapter(String name, Value x) {
    long in = name.endsWith("down_proj") ? config.intermediateSize() : config.hiddenSize();
    boolean aTrains = trains.test(name + ".lora_A.weight");
    boolean bTrains = trains.test(name + ".lora_B.weight");
    String dropped = x.storage();
    if (lora.dropout() > 0) {
      String mask = ledger.make(name + ".lora.mask", tokens * in);
      dropped = ledger.make(name + ".lora.dropped", width() * tokens * in);
      if (x.grad()) {
        ledger.keep(mask); // where's gradient needs the condition
      }
    }
    if (aTrains) {
      ledger.keep(dropped); // A's product saves its input
    }
    // A's output, times the scale (the random draws and A's unscaled output are temporaries)
    String scaled = ledger.make(name + ".lora.scaled", width() * tokens * lora.r());
    if (bTrains) {
      ledger.keep(scaled); // B's product saves its input
    }
    // B's output is the adapter's output, added to the layer's: a temporary
    return x.grad() || aTrains || bTrains;
  }

  /** {@return the bytes per element of the model's dtype} */
  private long width() {
    return dtype.byteSize();
  }

  /** {@return a storage of {@code bytes} made in the step's scope, alive until the step ends} */
  private String kept(String name, long bytes) {
    ledger.make(name, bytes);
    ledger.keep(name);
    return name;
  }

  /**
   * {@return {@code storage.to(Float)} of {@code elements}: a new fp32 copy, or the tensor itself
   * in an fp32 model}
   */
  private String cast32(String storage, long elements) {
    return dtype == DType.F32 ? storage : ledger.make(storage + ".f32", 4 * elements);
  }

  /**
   * {@return an fp32 {@code storage} cast to the model's dtype: a new copy, or itself in an fp32
   * model}
   */
  private String cast(String storage, long elements) {
    return dtype == DType.F32 ? storage : ledger.make(storage + ".cast", width() * elements);
  }
}
