package io.lntune.models.llama;

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
    inputLayernorm =
        register_module("input_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps(), p));
    selfAttn = register_module("self_attn", new LlamaAttention(c, p));
    postAttentionLayernorm =
        register_module("post_attention_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps(), p));
    mlp = register_module("mlp", new LlamaMlp(c, p));
  }

  /** [B, T, D] → [B, T, D]. */
  Tensor forward(Tensor x, RotaryEmbedding.Angles rope, AttentionMask mask, KvCache.Layer cache) {
    Tensor h = x.add(selfAttn.forward(inputLayernorm.forward(x), rope, mask, cache));
    return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
  }
}
