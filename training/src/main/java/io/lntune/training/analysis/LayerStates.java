package io.lntune.training.analysis;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.stack;

import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.torch.TensorScope;
import io.lntune.training.data.Batch;
import java.util.Iterator;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Every decoder layer's hidden states of a LLaVA model over a data set, pooled to one vector per
 * sample and layer: the input of {@link LayerSimilarity}. The model reads each batch as in training
 * (images spliced in at their placeholders, the whole conversation), without gradients and in eval
 * mode; a layer's state is its output, the residual stream before the final norm ({@link
 * LlavaModel#forEachLayerOutput}).
 *
 * <pre>{@code
 * try (TensorScope scope = TensorScope.open(); DataLoader loader = ...) {
 *   Tensor pooled = LayerStates.pooled(model, loader, Pooling.MEAN);   // [N, L, D] float32 on the CPU
 *   LayerSimilarity s = LayerSimilarity.of(pooled);
 * }
 * }</pre>
 */
public final class LayerStates {
  private LayerStates() {}

  /**
   * {@return the pooled states [N, L, D] float32 on the CPU, samples in batch order} The tensor
   * belongs to the caller's {@code TensorScope}. Closes every batch it takes; puts the model in
   * eval mode.
   *
   * @param batches the samples, on the CPU (moved to the model's device here)
   * @throws IllegalArgumentException if the batches hold no sample
   */
  public static Tensor pooled(LlavaModel model, Iterator<Batch> batches, Pooling pooling) {
    model.eval();
    Device device = model.placement().device().toTorch();
    int layers = model.config().text().numHiddenLayers();
    TensorVector rows = new TensorVector();
    try (NoGradGuard g = new NoGradGuard()) {
      while (batches.hasNext()) {
        try (Batch b = batches.next()) {
          rows.push_back(
              TensorScope.returning(
                  () -> {
                    Tensor[] pooled = new Tensor[layers];
                    LlavaInput input =
                        LlavaInput.of(b.inputIds().to(device, ScalarType.Long))
                            .withAttentionMask(b.attentionMask().to(device, ScalarType.Long));
                    model.forEachLayerOutput(
                        b.images().size(0) > 0 ? input.withPixels(b.images()) : input,
                        (layer, hidden, mask) -> pooled[layer] = pooling.pool(hidden, mask));
                    return stack(new TensorVector(pooled), 1)
                        .to(ScalarType.Float)
                        .cpu(); // [B, L, D]
                  }));
        }
      }
    }
    if (rows.size() == 0) {
      throw new IllegalArgumentException("no sample to measure: the data gave no batch");
    }
    return cat(rows, 0);
  }
}
