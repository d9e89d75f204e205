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

  /**
   * Cosines and sines for {@code positions}, shaped to broadcast over heads.
   *
   * @param cos [B, 1, T, hd]
   * @param signedSin [B, 1, T, hd], the sines with their first half negated: rotate-half's {@code
   *     cat(-x2, x1) * sin} is {@code cat(x2, x1) * signedSin}, one roll instead of a negation and
   *     a concatenation (the same values, bit for bit, and a cheaper backward)
   */
  record Angles(Tensor cos, Tensor signedSin) {
    /** Rotates {@code x} [B, H, T, hd]. */
    Tensor apply(Tensor x) {
      long half = x.size(-1) / 2;
      return x.mul(cos).add(x.roll(new long[] {half}, -1).mul(signedSin)); // roll: cat(x2, x1)
    }
  }

  /**
   * @param positions [B, T] int64 @param dtype the activations' dtype
   */
  Angles angles(Tensor positions, ScalarType dtype) {
    Tensor pos = positions.to(ScalarType.Float).div(new Scalar(linearFactor)); // [B, T]
    Tensor freqs = pos.unsqueeze(-1).mul(invFreq); // [B, T, hd/2]
    Tensor emb = cat(new TensorVector(freqs, freqs), -1).unsqueeze(1); // [B, 1, T, hd]
    Tensor sin = freqs.sin().unsqueeze(1); // [B, 1, T, hd/2]
    Tensor signedSin = cat(new TensorVector(sin.neg(), sin), -1); // [B, 1, T, hd]
    return new Angles(emb.cos().to(dtype), signedSin.to(dtype));
  }
}
