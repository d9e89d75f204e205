package io.lntune.models.llama;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import java.util.List;
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
   * {@return the layer's two residual branches, attention's then the MLP's} Running them in turn
   * computes {@link #forward}. For recomputation, which runs without a KV cache.
   *
   * @throws IllegalStateException if the layer is bound to a KV cache
   */
  public List<ResidualBranch> branches() {
    if (cache != null) {
      throw new IllegalStateException(
          "decoder layer " + index + " is bound to a KV cache: its branches run without one");
    }
    String name = "decoder layer " + index;
    return List.of(
        new ResidualBranch(
            name + "'s attention",
            x -> layer.selfAttn.attend(layer.inputLayernorm.forward(x), angles, mask, null),
            layer.selfAttn.oProj),
        new ResidualBranch(
            name + "'s MLP",
            h -> layer.mlp.hidden(layer.postAttentionLayernorm.forward(h)),
            layer.mlp.downProj));
  }
}
