package io.lntune.models.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LLaMA's RMSNorm, computed as Hugging Face's {@code LlamaRMSNorm} does: upcast to fp32, {@code x *
 * rsqrt(mean(x^2) + eps)}, cast back to the input dtype, then multiply by {@code weight} [dim]. The
 * result has the input's dtype even when the weight is an fp32 master under a bf16 model.
 */
public class RmsNorm extends Module {
  private final Tensor weight;
  private final double eps;

  public RmsNorm(long dim, double eps, Placement placement) {
    super("RmsNorm");
    this.weight = Params.frozen(this, "weight", placement.empty(dim));
    this.eps = eps;
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor forward(Tensor x) {
    ScalarType in = x.scalar_type().intern();
    Tensor x32 = x.to(ScalarType.Float);
    Tensor variance =
        x32.pow(new Scalar(2L)).mean(new long[] {-1}, true, new ScalarTypeOptional()); // [..., 1]
    Tensor normed = x32.mul(variance.add(new Scalar(eps)).rsqrt()).to(in);
    return weight.mul(normed).to(in);
  }
}
