package io.lntune.training.loop;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.training.data.Batch;

/**
 * Trains a {@link LlavaModel} on the data pipeline's batches: images spliced in at their placeholders, the summed
 * next-token loss over the supervised positions. Honours the language model's activation recomputation
 * ({@link io.lntune.models.llama.LlamaModel#setActivationRecomputation}).
 */
public final class LlavaTask implements TrainingTask<Batch> {
  private final LlavaModel model;

  public LlavaTask(LlavaModel model) {
    this.model = model;
  }

  @Override
  public LossOutput loss(Batch batch) {
    model.train(true);
    boolean hasImages = batch.images().size(0) > 0;
    CausalLmLoss.Result r = model.forward(batch.inputIds(), batch.attentionMask(), batch.labels(),
        hasImages ? batch.images() : null).loss().orElseThrow();
    return new LossOutput(r.sum(), r.tokens());
  }

  @Override
  public void backward(LossOutput loss) {
    loss.sum().backward();
    model.languageModel().backwardRecomputed();
  }
}
