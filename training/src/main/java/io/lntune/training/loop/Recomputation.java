package io.lntune.training.loop;

import io.lntune.models.llama.BoundLayer;
import io.lntune.models.llama.LayerRunner;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import java.util.List;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;

/**
 * Activation recomputation for a task's forward and backward pass: as the {@link LayerRunner} of a
 * model's forward it keeps only each decoder layer's input (and the last layer's graph, whose
 * backward comes first), and {@link #backward} runs the loss's backward and then recomputes the
 * other layers (see {@link RecomputedLayers}). It trades about one more forward pass for the memory
 * of every layer's activations. Generation and forwards without gradients run the layers in turn.
 *
 * <pre>{@code
 * Recomputation layers = new Recomputation(true);
 * CausalLmLoss.Result loss = model.loss(batch.input(), layers);
 * layers.backward(loss.sum());   // not loss.sum().backward(): that would leave the recomputed layers without gradients
 * }</pre>
 *
 * <p>Switched off, it runs the layers in turn and its backward is the loss's alone, so that a task
 * has one code path either way. One forward at a time is pending: a forward whose loss was
 * backpropagated without {@link #backward} is reported by the next forward. Not thread-safe.
 */
public final class Recomputation implements LayerRunner {
  private final boolean enabled;
  private RecomputedLayers pending; // the last recomputing forward, until its backward

  /**
   * A recomputation for one task's forward and backward passes.
   *
   * @param enabled whether forwards with gradients recompute their layers in the backward pass
   */
  public Recomputation(boolean enabled) {
    this.enabled = enabled;
  }

  /** {@return whether forwards with gradients recompute their layers in the backward pass} */
  public boolean enabled() {
    return enabled;
  }

  /**
   * Runs the layers in turn, or, with gradients enabled and recomputation on, keeps only their
   * inputs (and the last layer's graph) for {@link #backward}.
   *
   * @throws IllegalStateException if the previous recomputing forward's loss was backpropagated
   *     without {@link #backward}, leaving its recomputed layers without gradients
   */
  @Override
  public Tensor run(List<BoundLayer> layers, Tensor embeds) {
    if (!enabled || !GradMode.is_enabled()) {
      return LayerRunner.SEQUENTIAL.run(layers, embeds);
    }
    if (pending != null && pending.reached()) {
      throw new IllegalStateException(
          "the last recomputing forward's loss was backpropagated without "
              + "Recomputation.backward(loss), so its recomputed layers got no gradients");
    }
    RecomputedLayers recomputed = new RecomputedLayers(layers, embeds);
    pending = recomputed;
    return Torch.call(
        () -> "decoder layers (recomputed) on " + Tensors.describe(embeds), recomputed::forward);
  }

  /**
   * Backpropagates {@code loss}, a scalar of the last forward, through its graph and the recomputed
   * layers.
   */
  public void backward(Tensor loss) {
    loss.backward();
    RecomputedLayers recomputed = pending;
    pending = null;
    if (recomputed != null) {
      Torch.call(
          () -> "recomputing the decoder layers in the backward pass",
          () -> {
            recomputed.backward();
            return null;
          });
    }
  }
}
