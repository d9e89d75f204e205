package io.lntune.models.llama;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * How a forward pass runs the decoder layers over its input embeddings. {@link #SEQUENTIAL} runs
 * each in turn; training substitutes a runner that recomputes activations in the backward pass.
 */
@FunctionalInterface
public interface LayerRunner {
  /** Runs the layers in order: {@code x = layer.forward(x)}. */
  LayerRunner SEQUENTIAL = LayerRunner::sequential;

  /**
   * Runs {@code layers} over {@code embeds}.
   *
   * @param layers the decoder's layers, bound to this forward pass, in order
   * @param embeds the first layer's input [B, T, D]
   * @return the last layer's output [B, T, D] (the final norm's input)
   */
  Tensor run(List<BoundLayer> layers, Tensor embeds);

  private static Tensor sequential(List<BoundLayer> layers, Tensor embeds) {
    Tensor x = embeds;
    for (BoundLayer layer : layers) {
      x = layer.forward(x);
    }
    return x;
  }
}
