package io.lntune.training.loop;

/**
 * What the trainer trains: a model's loss on one micro-batch.
 *
 * @param <B> the batch type; the trainer closes each batch after its backward pass
 */
@FunctionalInterface
public interface TrainingTask<B extends AutoCloseable> {
  /** {@return the summed loss of {@code batch} and its supervised token count} */
  LossOutput loss(B batch);

  /**
   * Backpropagates {@code loss}, the output of {@link #loss} on the current micro-batch. A task whose model
   * recomputes activations overrides this to finish the pass through the recomputed layers.
   */
  default void backward(LossOutput loss) {
    loss.sum().backward();
  }
}
