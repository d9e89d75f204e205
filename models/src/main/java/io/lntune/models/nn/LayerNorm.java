package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.empty_like;
import static org.bytedeco.pytorch.global.torch.layer_norm;

import io.lntune.torch.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LayerNorm with {@code weight} and {@code bias} [dim], computed in fp32 and cast back to the input
 * dtype (torchtune's {@code Fp32LayerNorm}): under a bf16 model the statistics keep full precision.
 * On the {@code meta} device, where libtorch has no layer-norm kernel, it yields a tensor of the
 * input's shape and dtype, so models can be shape-checked there.
 */
public class LayerNorm extends Module {
  private final Tensor weight;
  private final Tensor bias;
  private final long dim;
  private final double eps;

  public LayerNorm(long dim, double eps, Placement placement) {
    super("LayerNorm");
    this.weight = Params.frozen(this, "weight", placement.empty(dim));
    this.bias = Params.frozen(this, "bias", placement.empty(dim));
    this.dim = dim;
    this.eps = eps;
  }

  public Tensor forward(Tensor x) {
    if (x.is_meta()) {
      if (x.dim() == 0 || x.size(-1) != dim) {
        throw new IllegalArgumentException(
            "LayerNorm over " + dim + " features got input " + Tensors.shape(x));
      }
      return empty_like(x);
    }
    ScalarType in = x.scalar_type().intern();
    return layer_norm(
            x.to(ScalarType.Float),
            new long[] {dim},
            new TensorOptional(weight.to(ScalarType.Float)),
            new TensorOptional(bias.to(ScalarType.Float)),
            eps,
            false)
        .to(in);
  }
}
