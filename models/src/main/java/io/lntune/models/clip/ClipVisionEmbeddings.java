package io.lntune.models.clip;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.linear;

import io.lntune.models.nn.Embedding;
import io.lntune.models.nn.Namespace;
import io.lntune.models.nn.Params;
import io.lntune.models.nn.Placement;
import io.lntune.torch.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * Pixels to tokens: a learned class token followed by one token per patch, plus a learned position
 * embedding. Parameters as in Hugging Face's {@code CLIPVisionEmbeddings}: {@code class_embedding}
 * [width], {@code patch_embedding.weight} [width, channels, patch, patch] (a bias-free convolution
 * with stride = kernel = patch) and {@code position_embedding.weight} [1 + patches, width].
 *
 * <p>The patch convolution is computed as what it is, one matrix product over non-overlapping
 * patches: libtorch's {@code conv2d} has no meta kernel, and this form also runs on the meta
 * device.
 *
 * <pre>{@code
 * var embeddings = new ClipVisionEmbeddings(ClipConfigs.tiny(), Placement.cpu(DType.F32));
 * Tensor tokens = embeddings.forward(pixels);   // [batch, 3, 16, 16] -> [batch, 17, 32]
 * }</pre>
 */
public final class ClipVisionEmbeddings extends Module {
  private final ClipVisionConfig config;
  private final Tensor classEmbedding;
  private final Namespace
      patchEmbedding; // holds the conv weight; kept for its Java peer (see Namespace)
  private final Tensor patchWeight;
  private final Embedding positionEmbedding;

  public ClipVisionEmbeddings(ClipVisionConfig config, Placement placement) {
    super("ClipVisionEmbeddings");
    this.config = config;
    int width = config.hiddenSize();
    int patch = config.patchSize();
    this.classEmbedding = Params.frozen(this, "class_embedding", placement.empty(width));
    this.patchEmbedding = register_module("patch_embedding", new Namespace("Conv2d"));
    this.patchWeight =
        Params.frozen(
            patchEmbedding, "weight", placement.empty(width, config.numChannels(), patch, patch));
    this.positionEmbedding =
        register_module(
            "position_embedding", new Embedding(config.numPositions(), width, placement));
  }

  /**
   * {@return the tokens of {@code pixels} [batch, channels, image, image] as [batch, 1 + patches,
   * width]}
   *
   * @throws IllegalArgumentException if the pixels do not have the configured channels and image
   *     size
   */
  public Tensor forward(Tensor pixels) {
    long c = config.numChannels();
    long g = config.gridSize();
    long p = config.patchSize();
    long width = config.hiddenSize();
    if (pixels.dim() != 4
        || pixels.size(1) != c
        || pixels.size(2) != g * p
        || pixels.size(3) != g * p) {
      throw new IllegalArgumentException(
          "pixel values "
              + Tensors.shape(pixels)
              + " do not fit the tower: expected "
              + "[batch, "
              + c
              + ", "
              + g * p
              + ", "
              + g * p
              + "]");
    }
    long b = pixels.size(0);
    Tensor x = pixels.to(patchWeight.device(), patchWeight.scalar_type().intern());
    Tensor patches =
        x.reshape(b, c, g, p, g, p)
            .permute(0, 2, 4, 1, 3, 5)
            .reshape(
                b, g * g,
                c * p * p); // [batch, patches, channels * patch * patch], row-major patch order
    Tensor embeds =
        linear(
            patches,
            patchWeight.reshape(width, c * p * p),
            new TensorOptional()); // [batch, patches, width]
    Tensor cls = classEmbedding.view(1, 1, width).expand(b, 1, width); // [batch, 1, width]
    Tensor tokens = cat(new TensorVector(cls, embeds), 1); // [batch, 1 + patches, width]
    return tokens.add(positionEmbedding.weight()); // [batch, positions, width]
  }
}
