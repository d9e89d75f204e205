package io.lntune.models.llama;

import io.lntune.models.nn.Linear;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * One of a decoder layer's two residual branches, bound to a forward pass: {@code x +
 * projection(inner(x))}. Attention's inner part is the input norm and attention up to {@code
 * o_proj}; the MLP's is the post-attention norm and SwiGLU up to {@code down_proj}. A layer's
 * output is the MLP branch applied to the attention branch's output.
 *
 * <p>For activation recomputation, which checkpoints the residual stream before each branch and,
 * where a projection trains nothing, recomputes only its input: the backward of {@code x W^T} needs
 * {@code W} and the output's gradient, not the product.
 *
 * <pre>{@code
 * List<ResidualBranch> branches = layer.branches(); // attention's, then the MLP's
 * Tensor h = branches.get(0).forward(x);            // [B, T, D]
 * Tensor m = branches.get(1).projectionInput(h);    // [B, T, I], down_proj's input
 * }</pre>
 */
public final class ResidualBranch {
  private final String name;
  private final UnaryOperator<Tensor> inner;
  private final Linear projection;

  ResidualBranch(String name, UnaryOperator<Tensor> inner, Linear projection) {
    this.name = name;
    this.inner = inner;
    this.projection = projection;
  }

  /**
   * {@return {@code x + projection(inner(x))}} [B, T, D] → [B, T, D]. The branch's temporaries are
   * freed when it returns (the autograd graph keeps what a backward pass needs).
   */
  public Tensor forward(Tensor x) {
    return Torch.call(
        describe(x), () -> TensorScope.returning(() -> x.add(projection.forward(inner.apply(x)))));
  }

  /** {@return the projection's input {@code inner(x)}} [B, T, D] → [B, T, in] */
  public Tensor projectionInput(Tensor x) {
    return Torch.call(describe(x), () -> inner.apply(x));
  }

  /** {@return the context a failure on {@code x} is reported with} */
  private Supplier<String> describe(Tensor x) {
    return () -> name + " on " + Tensors.describe(x);
  }

  /** {@return the branch's last matrix product, {@code o_proj} or {@code down_proj}} */
  public Linear projection() {
    return projection;
  }
}
