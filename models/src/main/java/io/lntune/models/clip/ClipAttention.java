package io.lntune.models.clip;

import io.lntune.models.nn.Attention;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Multi-head self-attention over all tokens (no mask), scaled by {@code headDim^-0.5}: Hugging
 * Face's {@code CLIPAttention} with {@code q_proj}, {@code k_proj}, {@code v_proj} and {@code
 * out_proj}, each with a bias (registered in HF's order, k, v, q, out).
 *
 * <pre>{@code
 * var attn = new ClipAttention(ClipConfigs.tiny(), Placement.cpu(DType.F32));
 * Tensor y = attn.forward(x);   // [batch, tokens, 32] -> [batch, tokens, 32]
 * }</pre>
 */
public final class ClipAttention extends Module {
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear outProj;
  private final int heads;
  private final int headDim;

  public ClipAttention(ClipVisionConfig config, Placement placement) {
    super("ClipAttention");
    int width = config.hiddenSize();
    this.kProj = register_module("k_proj", new Linear(width, width, true, placement));
    this.vProj = register_module("v_proj", new Linear(width, width, true, placement));
    this.qProj = register_module("q_proj", new Linear(width, width, true, placement));
    this.outProj = register_module("out_proj", new Linear(width, width, true, placement));
    this.heads = config.numAttentionHeads();
    this.headDim = config.headDim();
  }

  /** {@return attention over {@code x} [batch, tokens, width], same shape} */
  public Tensor forward(Tensor x) {
    long b = x.size(0);
    long t = x.size(1);
    Tensor q = splitHeads(qProj.forward(x), b, t); // [batch, heads, tokens, headDim]
    Tensor k = splitHeads(kProj.forward(x), b, t); // [batch, heads, tokens, headDim]
    Tensor v = splitHeads(vProj.forward(x), b, t); // [batch, heads, tokens, headDim]
    Tensor y = Attention.attend(q, k, v, null, false); // [batch, heads, tokens, headDim]
    y = y.transpose(1, 2).reshape(b, t, (long) heads * headDim); // [batch, tokens, width]
    return outProj.forward(y);
  }

  private Tensor splitHeads(Tensor x, long b, long t) {
    return x.view(b, t, heads, headDim).transpose(1, 2); // [batch, heads, tokens, headDim]
  }
}
