package io.lntune.models.clip;

import io.lntune.models.nn.LayerNorm;
import io.lntune.models.nn.Placement;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * One pre-norm transformer layer, Hugging Face's {@code CLIPEncoderLayer}: {@code x +
 * self_attn(layer_norm1(x))}, then {@code x + mlp(layer_norm2(x))}.
 *
 * <pre>{@code
 * var layer = new ClipEncoderLayer(ClipConfigs.tiny(), Placement.cpu(DType.F32));
 * Tensor y = layer.forward(x);   // [batch, tokens, width], same shape
 * }</pre>
 */
public final class ClipEncoderLayer extends Module {
  private final ClipAttention selfAttn;
  private final LayerNorm layerNorm1;
  private final ClipMlp mlp;
  private final LayerNorm layerNorm2;

  public ClipEncoderLayer(ClipVisionConfig config, Placement placement) {
    super("ClipEncoderLayer");
    this.selfAttn = register_module("self_attn", new ClipAttention(config, placement));
    this.layerNorm1 =
        register_module(
            "layer_norm1", new LayerNorm(config.hiddenSize(), config.layerNormEps(), placement));
    this.mlp = register_module("mlp", new ClipMlp(config, placement));
    this.layerNorm2 =
        register_module(
            "layer_norm2", new LayerNorm(config.hiddenSize(), config.layerNormEps(), placement));
  }

  /** {@return the layer's output for {@code x} [batch, tokens, width], same shape} */
  public Tensor forward(Tensor x) {
    Tensor h = x.add(selfAttn.forward(layerNorm1.forward(x))); // [batch, tokens, width]
    return h.add(mlp.forward(layerNorm2.forward(h))); // [batch, tokens, width]
  }
}
