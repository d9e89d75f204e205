package io.lntune.models.llama;

import io.lntune.models.nn.Linear;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * One decoder layer of one forward pass: the layer bound to the pass's rotary angles, attention
 * mask and (when generating) KV-cache slot, so that a {@link LayerRunner} can run it as {@code x =
 * layer.forward(x)}.
 *
 * <p>Valid for the forward pass that handed it out, and for a backward pass that recomputes that
 * forward.
 */
public final class BoundLayer {
  private final int index;
  private final LlamaDecoderLayer layer;
  private final RotaryEmbedding.Angles angles;
  private final AttentionMask mask;
  private final KvCache.Layer cache; // null without a KV cache

  BoundLayer(
      int index,
      LlamaDecoderLayer layer,
      RotaryEmbedding.Angles angles,
      AttentionMask mask,
      KvCache.Layer cache) {
    this.index = index;
    this.layer = layer;
    this.angles = angles;
    this.mask = mask;
    this.cache = cache;
  }

  /**
   * The layer's output before its down projection: the residual stream after attention, {@code h =
   * x + attn(norm(x))} [B, T, D], and the down projection's input {@code m} [B, T, I]. The layer's
   * output is {@code h + down_proj(m)}.
   *
   * @param residual {@code h} [B, T, D]
   * @param downInput {@code m} [B, T, I]
   */
  public record BeforeDownProjection(Tensor residual, Tensor downInput) {}

  /** {@return the layer's index in the decoder, from 0} */
  public int index() {
    return index;
  }

  /**
   * {@return the layer's output [B, T, D] for its input {@code x} [B, T, D]} The layer's
   * temporaries are freed when it returns (the autograd graph keeps what a backward pass needs),
   * not when the caller's scope closes.
   */
  public Tensor forward(Tensor x) {
    return Torch.call(
        () -> "decoder layer " + index + " on " + Tensors.describe(x),
        () -> TensorScope.returning(() -> layer.forward(x, angles, mask, cache)));
  }

  /**
   * {@return the layer run up to its down projection} For a recomputation that needs the down
   * projection's input and weight, not its product. Without a KV cache only.
   */
  public BeforeDownProjection forwardToDownProjection(Tensor x) {
    Tensor h = layer.attentionResidual(x, angles, mask, null);
    return new BeforeDownProjection(h, layer.mlp.hidden(layer.postAttentionLayernorm.forward(h)));
  }

  /** {@return the MLP's down projection, the layer's last matrix product} */
  public Linear downProjection() {
    return layer.mlp.downProj;
  }
}
