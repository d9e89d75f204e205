package io.lntune.training.loop;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains a bare {@link LlamaModel} as a language model: the summed next-token loss over the
 * supervised positions (position t predicts label t+1; labels of {@link CausalLmLoss#IGNORE_INDEX}
 * are not supervised), what {@link CausalLmLoss} computes. The output head only sees the positions
 * that predict a label: over the vocabulary it is a large share of a small model, and prompts leave
 * many positions unsupervised.
 *
 * <pre>{@code
 * Trainer<Tokens> trainer = new Trainer<>(trainables, optimizer, new NextTokenTask<>(model), config, null, listeners);
 * trainer.run(position -> batches(position));     // each a Tokens: ids [B, T], labels the ids themselves or masked
 * }</pre>
 *
 * @param <B> the micro-batch type
 */
public final class NextTokenTask<B extends NextTokenTask.Tokens> implements TrainingTask<B> {
  /** A micro-batch of token sequences; the trainer closes it after its backward pass. */
  public interface Tokens extends AutoCloseable {
    /** {@return the token ids [B, T], int64} */
    Tensor ids();

    /**
     * {@return the labels [B, T], int64, {@code -100} where unsupervised; if not overridden: the
     * ids themselves}
     */
    default Tensor labels() {
      return ids();
    }
  }

  private final LlamaModel model;
  private final Recomputation layers;

  /**
   * Trains {@code model}, keeping every layer's activations for the backward pass.
   *
   * @param model the language model to train
   */
  public NextTokenTask(LlamaModel model) {
    this(model, false);
  }

  /**
   * Trains {@code model}, recomputing its decoder layers in the backward pass when asked.
   *
   * @param model the language model to train
   * @param recomputeActivations whether the decoder layers are recomputed in the backward pass
   *     instead of keeping their activations
   */
  public NextTokenTask(LlamaModel model, boolean recomputeActivations) {
    this.model = model;
    this.layers = new Recomputation(recomputeActivations);
  }

  @Override
  public CausalLmLoss.Result loss(B batch) {
    return loss(batch.ids(), batch.labels());
  }

  /**
   * {@return the summed next-token loss of {@code ids} [B, T] against {@code labels} [B, T] and the
   * number of supervised tokens} For batches that are not {@link Tokens}, such as the data
   * pipeline's.
   */
  public CausalLmLoss.Result loss(Tensor ids, Tensor labels) {
    model.train(true);
    Tensor hidden = model.hiddenStates(model.embed(ids), layers); // [B, T, D]
    return CausalLmLoss.ofSupervised(hidden, labels, model::logits);
  }

  @Override
  public void backward(CausalLmLoss.Result loss) {
    layers.backward(loss.sum());
  }
}
