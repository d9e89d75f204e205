package io.lntune.models.llama;

import io.lntune.models.nn.Attention;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** Multi-head self-attention with rotary embeddings and grouped key/value heads. */
public final class LlamaAttention extends Module {
  final Linear qProj;
  final Linear kProj;
  final Linear vProj;
  final Linear oProj;
  private final long heads;
  private final long kvHeads;
  private final long headDim;

  LlamaAttention(LlamaConfig c, Placement p) {
    super("LlamaAttention");
    heads = c.numAttentionHeads();
    kvHeads = c.numKeyValueHeads();
    headDim = c.headDim();
    qProj = register_module("q_proj", new Linear(c.hiddenSize(), heads * headDim, false, p));
    kProj = register_module("k_proj", new Linear(c.hiddenSize(), kvHeads * headDim, false, p));
    vProj = register_module("v_proj", new Linear(c.hiddenSize(), kvHeads * headDim, false, p));
    oProj = register_module("o_proj", new Linear(heads * headDim, c.hiddenSize(), false, p));
  }

  /**
   * @param x [B, T, D]
   * @param cache this layer's slot in a KV cache, or null
   */
  Tensor forward(Tensor x, RotaryEmbedding.Angles rope, AttentionMask mask, KvCache.Layer cache) {
    return oProj.forward(attend(x, rope, mask, cache)); // [B, T, D]
  }

  /**
   * {@return the heads' outputs side by side, {@code o_proj}'s input} [B, T, D] → [B, T, H * hd]
   *
   * @param cache this layer's slot in a KV cache, or null
   */
  Tensor attend(Tensor x, RotaryEmbedding.Angles rope, AttentionMask mask, KvCache.Layer cache) {
    long b = x.size(0);
    long t = x.size(1);
    // Each head made contiguous before RoPE: the rotation and its backward run faster on the copy
    // than on the transposed view (a [1, 12, 512, 64] bf16 one, forward and backward: 0.67-0.80
    // ms against 0.83-0.96, the same values), and attention wants the copy anyway.
    Tensor q = rope.apply(heads(qProj.forward(x), b, t, heads)); // [B, H, T, hd]
    Tensor k = rope.apply(heads(kProj.forward(x), b, t, kvHeads)); // [B, Hkv, T, hd]
    Tensor v = heads(vProj.forward(x), b, t, kvHeads); // [B, Hkv, T, hd]
    if (cache != null) {
      k = cache.keys(k); // [B, Hkv, past+T, hd]
      v = cache.values(v);
    }
    Tensor out =
        Attention.attend(q, k, v, mask.mask(), mask.causal(), mask.bias()); // [B, H, T, hd]
    return out.transpose(1, 2).reshape(b, t, heads * headDim); // [B, T, H * hd]
  }

  /** {@return a projection's output [B, T, n * hd] as n contiguous heads} [B, n, T, hd] */
  private Tensor heads(Tensor projected, long b, long t, long n) {
    return projected.view(b, t, n, headDim).transpose(1, 2).contiguous();
  }
}
