package io.lntune.training.loop;

import static org.bytedeco.pytorch.global.torch.getDefaultCPUGenerator;

import io.lntune.models.llama.BoundLayer;
import io.lntune.models.llama.ResidualBranch;
import io.lntune.models.nn.Linear;
import io.lntune.torch.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One forward pass through the decoder layers that kept no graph, only the residual stream before
 * each of their branches (attention's and the MLP's, {@link ResidualBranch}), and the backward pass
 * that recomputes them (activation recomputation, "gradient checkpointing"; libtorch's C++ API has
 * no {@code checkpoint()}). The forward runs every layer but the last under {@link NoGradGuard};
 * the last layer's input is a fresh leaf, and the last layer runs with its graph, because its
 * backward follows the loss's at once and recomputing it would only repeat its forward (PyTorch's
 * {@code checkpoint_sequential} leaves its last segment alone too). The loss's backward therefore
 * stops at that leaf and leaves the gradient of the last layer's input on it; {@link #backward()}
 * then reruns the other branches from the last to the first with a graph, one at a time, and
 * backpropagates each with the gradient of its output, which gives the gradient of its input for
 * the branch before. The embeddings' own graph (the connector, the token embeddings) is
 * backpropagated last. Activation memory is one branch's graph plus two [B, T, D] tensors per
 * layer, instead of every layer's graph.
 *
 * <p>Two checkpoints a layer rather than one let a branch whose projection trains nothing
 * (LayerNorm tuning) stop before that product: the backward needs the projection's input and
 * weight, not its output, and the branch's output is the next checkpoint. The recomputation then
 * costs the layer's forward less two of its seven weight products, {@code o_proj} and {@code
 * down_proj} (the latter a third of the MLP's work), for one more [B, T, D] a layer.
 *
 * <p>Dropout draws the same masks both times: the CPU generator's state is saved before each
 * recomputed branch and restored for its recomputation, then set to where the forward left it.
 */
final class RecomputedLayers {
  private final BoundLayer last;
  private final Tensor embeds;
  private final List<ResidualBranch> branches; // of every layer but the last, in order
  private final Tensor[] inputs; // each branch's input
  private final Tensor[] rngStates;
  private Tensor lastInput;
  private Tensor rngAfter;

  RecomputedLayers(List<BoundLayer> layers, Tensor embeds) {
    this.last = layers.get(layers.size() - 1);
    this.embeds = embeds;
    this.branches =
        layers.subList(0, layers.size() - 1).stream()
            .flatMap(layer -> layer.branches().stream())
            .toList();
    this.inputs = new Tensor[branches.size()];
    this.rngStates = new Tensor[branches.size()];
  }

  /** {@return the last layer's output [B, T, D], with the last layer's graph} */
  Tensor forward() {
    Generator rng = getDefaultCPUGenerator();
    Tensor x = embeds.detach();
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < branches.size(); i++) {
        inputs[i] = x;
        rngStates[i] = rng.get_state();
        x = branches.get(i).forward(x);
      }
    }
    lastInput = x.requires_grad_(!branches.isEmpty() || embeds.requires_grad());
    Tensor out = last.forward(lastInput);
    rngAfter = rng.get_state();
    return out;
  }

  /**
   * {@return whether the loss's backward has reached this forward, leaving a gradient on the last
   * layer's input}
   */
  boolean reached() {
    return lastInput != null && lastInput.grad().defined();
  }

  /** Backpropagates through the branches, recomputing each, then through the embeddings' graph. */
  void backward() {
    Tensor grad = lastInput.grad();
    lastInput = null;
    if (!grad.defined()) {
      return; // the loss did not reach the last layer's input
    }
    Generator rng = getDefaultCPUGenerator();
    try {
      for (int i = branches.size() - 1; i >= 0 && grad != null; i--) {
        boolean inputNeedsGrad = i > 0 || embeds.requires_grad();
        Tensor in = inputs[i].requires_grad_(inputNeedsGrad);
        rng.set_state(rngStates[i]);
        ResidualBranch branch = branches.get(i);
        Tensor outputGrad = grad;
        // One scope per branch: its recomputed graph and temporaries are freed before the next
        // branch's.
        Tensor inputGrad =
            TensorScope.returning(
                () -> {
                  backwardBranch(branch, in, outputGrad);
                  return in.grad();
                });
        grad = inputNeedsGrad && inputGrad.defined() ? inputGrad : null;
        inputs[i] = null;
      }
      if (grad != null && embeds.requires_grad()) {
        embeds.backward(grad, new BoolOptional(), false, new TensorArrayRefOptional());
      }
    } finally {
      rng.set_state(rngAfter);
    }
  }

  /**
   * Recomputes {@code branch} on {@code in} and backpropagates its output's gradient {@code
   * outputGrad}.
   */
  private static void backwardBranch(ResidualBranch branch, Tensor in, Tensor outputGrad) {
    Tensor weight = frozenWeight(branch.projection());
    if (weight == null) {
      Tensor out = branch.forward(in);
      if (out.requires_grad()) {
        out.backward(outputGrad, new BoolOptional(), false, new TensorArrayRefOptional());
      }
      return;
    }
    // The output is in + p W^T: backpropagate the input with the output's gradient and p with
    // the gradient the product's backward would give it, grad W, without the product itself.
    Tensor projected = branch.projectionInput(in);
    TensorVector roots = new TensorVector();
    TensorVector grads = new TensorVector();
    if (in.requires_grad()) {
      roots.push_back(in);
      grads.push_back(outputGrad);
    }
    if (projected.requires_grad()) {
      roots.push_back(projected);
      grads.push_back(outputGrad.matmul(weight));
    }
    if (!roots.empty()) {
      torch.backward(roots, grads, new BoolOptional(), false, new TensorVector());
    }
  }

  /**
   * {@return the weight [out, in] of {@code projection} if it is a plain frozen product (no bias,
   * no adapter), else null}
   */
  private static Tensor frozenWeight(Linear projection) {
    boolean frozen =
        !projection.hasAdapter()
            && projection.bias() == null
            && !projection.weight().requires_grad();
    return frozen ? projection.weight() : null;
  }
}
