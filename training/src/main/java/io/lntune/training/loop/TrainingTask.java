package io.lntune.training.loop;

import io.lntune.models.nn.CausalLmLoss;

/**
 * What the trainer trains: a model's loss on one micro-batch, and its backward pass.
 *
 * @param <B> the batch type; the trainer closes each batch after its backward pass
 */
@FunctionalInterface
public interface TrainingTask<B extends AutoCloseable> {
  /** {@return the summed loss of {@code batch} and its supervised token count} */
  CausalLmLoss.Result loss(B batch);

  /**
   * Backpropagates {@code loss}, the output of {@link #loss} on the current micro-batch. A task
   * whose forward recomputes activations overrides this with {@link Recomputation#backward}.
   */
  default void backward(CausalLmLoss.Result loss) {
    loss.sum().backward();
  }
}
