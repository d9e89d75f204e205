package io.lntune.models.llama;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.cat;

import io.lntune.models.nn.Placement;
import io.lntune.torch.TensorScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Rotary position embeddings in Hugging Face's rotate-half layout: the two halves of each head are
 * the real and imaginary parts (HF checkpoints store q_proj/k_proj permuted for this; Meta's
 * originals pair adjacent dims). Angles are {@code position / factor * theta^(-2i/d)} in fp32, with
 * {@code factor} the linear RoPE scaling.
 */
final class RotaryEmbedding {
  private final Tensor invFreq; // [headDim / 2] fp32
  private final double linearFactor;

  RotaryEmbedding(LlamaConfig config, Placement placement) {
    long dim = config.headDim();
    double theta = config.ropeTheta();
    this.linearFactor = config.ropeLinearFactor();
    this.invFreq =
        TensorScope.returning(
            () ->
                arange(
                        new Scalar(0L),
                        new Scalar(dim),
                        new Scalar(2L),
                        new TensorOptions(ScalarType.Float)
                            .device(new DeviceOptional(placement.device().toTorch())))
                    .div(new Scalar((double) dim))
                    .mul(new Scalar(-Math.log(theta)))
                    .exp());
  }

  /** Cosines and sines for {@code positions}, shaped to broadcast over heads. */
  record Angles(Tensor cos, Tensor sin) {
    /** Rotates {@code x} [B, H, T, headDim]. */
    Tensor apply(Tensor x) {
      return x.mul(cos).add(rotateHalf(x).mul(sin));
    }
  }

  /**
   * @param positions [B, T] int64 @param dtype the activations' dtype
   */
  Angles angles(Tensor positions, ScalarType dtype) {
    Tensor pos = positions.to(ScalarType.Float).div(new Scalar(linearFactor)); // [B, T]
    Tensor freqs = pos.unsqueeze(-1).mul(invFreq); // [B, T, hd/2]
    Tensor emb = cat(new TensorVector(freqs, freqs), -1).unsqueeze(1); // [B, 1, T, hd]
    return new Angles(emb.cos().to(dtype), emb.sin().to(dtype));
  }

  private static Tensor rotateHalf(Tensor x) {
    long half = x.size(-1) / 2;
    return cat(new TensorVector(x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)), -1);
  }
}
