package io.lntune.training.loop;

import static org.bytedeco.pytorch.global.torch.getDefaultCPUGenerator;

import io.lntune.models.llama.BoundLayer;
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
 * One forward pass through the decoder layers that kept no graph, only each layer's input, and the
 * backward pass that recomputes them (activation recomputation, "gradient checkpointing" per layer;
 * libtorch's C++ API has no {@code checkpoint()}). The forward runs every layer but the last under
 * {@link NoGradGuard}; the last layer's input is a fresh leaf, and the last layer runs with its
 * graph, because its backward follows the loss's at once and recomputing it would only repeat its
 * forward (PyTorch's {@code checkpoint_sequential} leaves its last segment alone too). The loss's
 * backward therefore stops at that leaf and leaves the gradient of the last layer's input on it;
 * {@link #backward()} then reruns the other layers from the last to the first with a graph, one at
 * a time, and backpropagates each with the gradient of its output, which gives the gradient of its
 * input for the layer before. The embeddings' own graph (the connector, the token embeddings) is
 * backpropagated last. Activation memory is one layer's graph plus one [B, T, D] input per layer,
 * instead of every layer's graph.
 *
 * <p>A recomputed layer whose down projection trains nothing (LayerNorm tuning) stops before that
 * product: the backward needs the product's input and weight, not its output, so the recomputation
 * costs the layer's forward less a fifth of its matrix work (the down projection is one of seven
 * weight matrices, a third of the MLP).
 *
 * <p>Dropout draws the same masks both times: the CPU generator's state is saved before each
 * recomputed layer and restored for its recomputation, then set to where the forward left it.
 */
final class RecomputedLayers {
  private final List<BoundLayer> layers;
  private final Tensor embeds;
  private final Tensor[] inputs;
  private final Tensor[] rngStates;
  private Tensor rngAfter;

  RecomputedLayers(List<BoundLayer> layers, Tensor embeds) {
    this.layers = layers;
    this.embeds = embeds;
    this.inputs = new Tensor[layers.size()];
    this.rngStates = new Tensor[layers.size()];
  }

  /** {@return the last layer's output [B, T, D], with the last layer's graph} */
  Tensor forward() {
    Generator rng = getDefaultCPUGenerator();
    int last = layers.size() - 1;
    Tensor x = embeds.detach();
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < last; i++) {
        inputs[i] = x;
        rngStates[i] = rng.get_state();
        x = layers.get(i).forward(x);
      }
    }
    inputs[last] = x.requires_grad_(last > 0 || embeds.requires_grad());
    Tensor out = layers.get(last).forward(x);
    rngAfter = rng.get_state();
    return out;
  }

  /**
   * {@return whether the loss's backward has reached this forward, leaving a gradient on the last
   * layer's input}
   */
  boolean reached() {
    return inputs[layers.size() - 1] != null && inputs[layers.size() - 1].grad().defined();
  }

  /** Backpropagates through the layers, recomputing each, then through the embeddings' graph. */
  void backward() {
    int last = layers.size() - 1;
    Tensor grad = inputs[last].grad();
    inputs[last] = null;
    if (!grad.defined()) {
      return; // the loss did not reach the last layer's input
    }
    if (last == 0) {
      backwardEmbeddings(grad);
      return;
    }
    Generator rng = getDefaultCPUGenerator();
    try {
      for (int i = last - 1; i >= 0 && grad != null; i--) {
        boolean inputNeedsGrad = i > 0 || embeds.requires_grad();
        Tensor in = inputs[i].requires_grad_(inputNeedsGrad);
        rng.set_state(rngStates[i]);
        BoundLayer layer = layers.get(i);
        Tensor outputGrad = grad;
        // One scope per layer: its recomputed graph and temporaries are freed before the next
        // layer's.
        Tensor inputGrad =
            TensorScope.returning(
                () -> {
                  backwardLayer(layer, in, outputGrad);
                  return in.grad();
                });
        grad = inputNeedsGrad && inputGrad.defined() ? inputGrad : null;
        inputs[i] = null;
      }
      if (grad != null) {
        backwardEmbeddings(grad);
      }
    } finally {
      rng.set_state(rngAfter);
    }
  }

  private void backwardEmbeddings(Tensor grad) {
    if (embeds.requires_grad()) {
      embeds.backward(grad, new BoolOptional(), false, new TensorArrayRefOptional());
    }
  }

  /**
   * Recomputes {@code layer} on {@code in} and backpropagates its output's gradient {@code
   * outputGrad}.
   */
  private static void backwardLayer(BoundLayer layer, Tensor in, Tensor outputGrad) {
    Tensor down = frozenWeight(layer.downProjection());
    if (down != null) {
      // The output is h + down_proj(m): skip that product (a fifth of the layer's) and
      // backpropagate h with the
      // output's gradient and m with the gradient down_proj's backward would give it, grad W.
      BoundLayer.BeforeDownProjection parts = layer.forwardToDownProjection(in);
      if (parts.residual().requires_grad()) {
        torch.backward(
            new TensorVector(parts.residual(), parts.downInput()),
            new TensorVector(outputGrad, outputGrad.matmul(down)),
            new BoolOptional(),
            false,
            new TensorVector());
      }
    } else {
      Tensor out = layer.forward(in);
      if (out.requires_grad()) {
        out.backward(outputGrad, new BoolOptional(), false, new TensorArrayRefOptional());
      }
    }
  }

  /**
   * {@return the weight [D, I] of {@code down} if it is a plain frozen product (no bias, no
   * adapter), else null}
   */
  private static Tensor frozenWeight(Linear down) {
    boolean frozen = !down.hasAdapter() && down.bias() == null && !down.weight().requires_grad();
    return frozen ? down.weight() : null;
  }
}
