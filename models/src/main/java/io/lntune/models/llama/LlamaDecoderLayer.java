package io.lntune.models.llama;

import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import io.lntune.models.nn.RmsNorm;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** One pre-norm block: {@code x + attn(norm(x))}, then {@code x + mlp(norm(x))}. */
public final class LlamaDecoderLayer extends Module {
  final RmsNorm inputLayernorm;
  final LlamaAttention selfAttn;
  final RmsNorm postAttentionLayernorm;
  final LlamaMlp mlp;

  LlamaDecoderLayer(LlamaConfig c, Placement p) {
    super("LlamaDecoderLayer");
    inputLayernorm = register_module("input_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps(), p));
    selfAttn = register_module("self_attn", new LlamaAttention(c, p));
    postAttentionLayernorm = register_module("post_attention_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps(), p));
    mlp = register_module("mlp", new LlamaMlp(c, p));
  }

  /** [B, T, D] → [B, T, D]. */
  Tensor forward(Tensor x, RotaryEmbedding.Angles rope, AttentionMask mask, KvCache.Layer cache) {
    Tensor h = x.add(selfAttn.forward(inputLayernorm.forward(x), rope, mask, cache));
    return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
  }

  /**
   * {@return the layer without its last matrix product: {@code h = x + attn(norm(x))} [B, T, D] and the down
   * projection's input {@code m} [B, T, I], whose output is {@code h + down_proj(m)}} For recomputation: when the
   * down projection trains nothing, the backward needs neither its product nor the sum, only its weight (the
   * gradient of {@code m} is the output's gradient times the weight).
   */
  Tensor[] forwardToDownProjection(Tensor x, RotaryEmbedding.Angles rope, AttentionMask mask) {
    Tensor h = x.add(selfAttn.forward(inputLayernorm.forward(x), rope, mask, null));
    return new Tensor[] {h, mlp.hidden(postAttentionLayernorm.forward(h))};
  }

  /** {@return the down projection's weight [D, I] if it is a plain frozen product (no bias, no adapter), else null} */
  Tensor frozenDownProjection() {
    Linear down = mlp.downProj;
    boolean frozen = !down.hasAdapter() && down.bias() == null && !down.weight().requires_grad();
    return frozen ? down.weight() : null;
  }
}
