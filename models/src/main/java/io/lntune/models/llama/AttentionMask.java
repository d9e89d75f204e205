package io.lntune.models.llama;

import static org.bytedeco.pytorch.global.torch.arange;

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
 * @param mask bool [B, 1, T, past + T], true = attend; null when {@code causal} says it all
 * @param causal whether attention should apply its own causal mask (only valid without {@code
 *     mask})
 */
record AttentionMask(Tensor mask, boolean causal) {

  /**
   * @param padding [B, past + T], 1 for real tokens and 0 for padding, or null when nothing is
   *     padded
   * @param past tokens already in the KV cache
   * @param length new tokens T
   */
  static AttentionMask of(Tensor padding, long past, long length) {
    if (padding == null && past == 0) {
      return new AttentionMask(null, length > 1);
    }
    if (padding == null && length == 1) {
      return new AttentionMask(null, false); // one new token sees every cached one
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
        allowed.to(padding != null ? padding.device() : allowed.device(), ScalarType.Bool), false);
  }
}
