package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.linear;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * {@code y = x W^T + b} with {@code weight} [out, in] and an optional {@code bias} [out]. Unlike
 * libtorch's {@code LinearImpl} it does not initialise its weights (that would touch 52 GB for a
 * 13B model before the checkpoint replaces them). Parameters start frozen; training strategies
 * unfreeze what they tune.
 */
public class Linear extends Module {
  private final Tensor weight;
  private final Tensor bias;
  private UnaryOperator<Tensor>
      adapter; // adds a learned delta to the output (LoRA); null when none

  public Linear(long in, long out, boolean bias, Placement placement) {
    super("Linear");
    this.weight = Params.frozen(this, "weight", placement.empty(out, in));
    this.bias = bias ? Params.frozen(this, "bias", placement.empty(out)) : null;
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor bias() {
    return bias;
  }

  /**
   * Adds {@code adapter(x)} to every output from now on (low-rank adapters), in place of any
   * adapter before. The adapter's own parameters belong in submodules of this module, so that they
   * are named after it.
   */
  public void setAdapter(UnaryOperator<Tensor> adapter) {
    this.adapter = Objects.requireNonNull(adapter, "adapter");
  }

  /** Removes the adapter, if there is one: outputs are {@code x W^T + b} again. */
  public void removeAdapter() {
    this.adapter = null;
  }

  public boolean hasAdapter() {
    return adapter != null;
  }

  public Tensor forward(Tensor x) {
    Tensor y = linear(x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias));
    return adapter == null ? y : y.add(adapter.apply(x));
  }
}
