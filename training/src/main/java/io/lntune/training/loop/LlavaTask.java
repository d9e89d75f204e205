package io.lntune.training.loop;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.training.data.Batch;

/**
 * Trains a {@link LlavaModel} on the data pipeline's batches: images spliced in at their
 * placeholders, the summed next-token loss over the supervised positions with logits for those
 * positions only ({@link LlavaModel#loss}), the language model's layers recomputed in the backward
 * pass when asked ({@link Recomputation}).
 */
public final class LlavaTask implements TrainingTask<Batch> {
  private final LlavaModel model;
  private final Recomputation layers;

  /** Trains {@code model}, keeping every layer's activations for the backward pass. */
  public LlavaTask(LlavaModel model) {
    this(model, false);
  }

  /**
   * Trains {@code model}, recomputing its decoder layers in the backward pass when asked.
   *
   * @param model the model to train
   * @param recomputeActivations whether the decoder layers are recomputed in the backward pass
   *     instead of keeping their activations
   */
  public LlavaTask(LlavaModel model, boolean recomputeActivations) {
    this.model = model;
    this.layers = new Recomputation(recomputeActivations);
  }

  @Override
  public CausalLmLoss.Result loss(Batch batch) {
    model.train(true);
    return model.loss(batch.input(), layers);
  }

  @Override
  public void backward(CausalLmLoss.Result loss) {
    layers.backward(loss.sum());
  }
}
