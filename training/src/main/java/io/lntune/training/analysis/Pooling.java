package io.lntune.training.analysis;

import static org.bytedeco.pytorch.global.torch.arange;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * How one layer's hidden states over a sequence become one vector per sample, for {@link
 * LayerStates}.
 *
 * <pre>{@code
 * Tensor v = Pooling.MEAN.pool(hidden, mask);   // [B, L, D] and [B, L] → [B, D] float64
 * }</pre>
 */
public enum Pooling {
  /** The mean over the real positions (text and image tokens alike); padding is left out. */
  MEAN {
    @Override
    public Tensor pool(Tensor hidden, Tensor attentionMask) {
      Tensor m = attentionMask.to(ScalarType.Double).unsqueeze(-1); // [B, L, 1]
      return hidden.to(ScalarType.Double).mul(m).sum(1).div(m.sum(1)); // [B, D]
    }
  },
  /** The state at the last real position, the one the next token is predicted from. */
  LAST {
    @Override
    public Tensor pool(Tensor hidden, Tensor attentionMask) {
      long length = attentionMask.size(1);
      Tensor positions =
          arange(
              new Scalar(length),
              new TensorOptions(ScalarType.Long)
                  .device(new DeviceOptional(attentionMask.device()))); // [L]
      Tensor last =
          attentionMask
              .to(ScalarType.Long)
              .mul(positions)
              .argmax(new LongOptional(1), false); // [B]
      Tensor index = last.view(-1, 1, 1).expand(-1, 1, hidden.size(2)); // [B, 1, D]
      return hidden.gather(1, index).squeeze(1).to(ScalarType.Double); // [B, D]
    }
  };

  /**
   * {@return one vector per sample, [B, D] float64}
   *
   * @param hidden a layer's states [B, L, D]
   * @param attentionMask [B, L]: 1 at real positions, 0 at padding; every row has a real position
   */
  public abstract Tensor pool(Tensor hidden, Tensor attentionMask);
}
