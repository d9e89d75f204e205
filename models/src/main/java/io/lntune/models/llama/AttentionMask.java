package io.lntune.models.llama;

import static org.bytedeco.pytorch.global.torch.arange;

import io.lntune.models.nn.Attention;
import io.lntune.torch.DType;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Which keys each query may attend to: causal, minus padded keys. Where nothing more than plain
 * causality is needed, no tensor is built and attention uses its fused causal path.
 *
 * <p>Where attention runs as matrix products ({@link Attention#byProducts}), the mask is also made
 * once in the additive form they take, for every layer.
 *
 * @param mask bool [B, 1, T, past + T], true = attend; null when {@code causal} says it all
 * @param causal whether attention should apply its own causal mask (only valid without {@code
 *     mask})
 * @param bias {@link Attention#bias} of the two, or null where attention makes none
 */
record AttentionMask(Tensor mask, boolean causal, Tensor bias) {

  /**
   * @param padding [B, past + T], 1 for real tokens and 0 for padding, or null when nothing is
   *     padded
   * @param past tokens already in the KV cache
   * @param embeds the new tokens' embeddings [B, T, D], whose dtype and device attention runs in
   * @param heads attention heads
   */
  static AttentionMask of(Tensor padding, long past, Tensor embeds, long heads) {
    long length = embeds.size(1);
    AttentionMask mask = of(padding, past, length);
    boolean byProducts =
        Attention.byProducts(
            embeds.is_cpu(),
            DType.of(embeds.scalar_type()),
            embeds.size(0) * heads * length * (past + length));
    return byProducts
        ? new AttentionMask(
            mask.mask,
            mask.causal,
            Attention.bias(mask.mask, mask.causal, length, past + length, embeds))
        : mask;
  }

  private static AttentionMask of(Tensor padding, long past, long length) {
    if (padding == null && past == 0) {
      return new AttentionMask(null, length > 1, null);
    }
    if (padding == null && length == 1) {
      return new AttentionMask(null, false, null); // one new token sees every cached one
    }
    TensorOptions longs =
        new TensorOptions(ScalarType.Long)
            .device(new DeviceOptional(padding != null ? padding.device() : new Device("cpu")));
    Tensor queries =
        arange(new Scalar(past), new Scalar(past + length), longs).unsqueeze(-1); // [T, 1]
    Tensor keys = arange(new Scalar(past + length), longs).unsqueeze(0); // [1, past+T]
    Tensor allowed = keys.le(queries); // [T, past+T]
    if (padding != null) {
      Tensor real = padding.to(ScalarType.Bool).unsqueeze(1); // [B, 1, past+T]
      // A padded query sees nothing but itself: its output is never used, and an all-masked row
      // would be NaN.
      allowed =
          allowed.logical_and(real).logical_or(keys.eq(queries)).unsqueeze(1); // [B, 1, T, past+T]
    } else {
      allowed = allowed.unsqueeze(0).unsqueeze(0); // [1, 1, T, past+T]
    }
    return new AttentionMask(
        allowed.to(padding != null ? padding.device() : allowed.device(), ScalarType.Bool),
        false,
        null);
  }
}
