package io.lntune.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.ByteSize;
import io.lntune.torch.DType;

/**
 * A training memory estimate: frozen and trainable weights in the model's dtype, fp32 masters (when
 * the model is not fp32), fp32 gradients and two fp32 AdamW moments per trainable parameter, and
 * the activations one training forward keeps for its backward, without and with activation
 * recomputation (counted op by op for the strategy by {@link ActivationMemory}). Measured figures
 * live in {@code lntune bench}.
 *
 * @param weights bytes of all weights
 * @param masters bytes of fp32 master copies
 * @param gradients bytes of fp32 gradients
 * @param optimizer bytes of AdamW state
 * @param activations bytes alive after a training forward and its loss
 * @param recomputedActivations the same with activation recomputation
 */
public record MemoryEstimate(
    long weights,
    long masters,
    long gradients,
    long optimizer,
    long activations,
    long recomputedActivations) {

  /**
   * {@return the estimate for {@code trainable} of {@code total} parameters in {@code dtype}, with
   * the activations counted apart}
   */
  static MemoryEstimate of(
      long total, long trainable, DType dtype, long activations, long recomputedActivations) {
    long masters = dtype == DType.F32 ? 0 : 4 * trainable;
    return new MemoryEstimate(
        total * dtype.byteSize(),
        masters,
        4 * trainable,
        8 * trainable,
        activations,
        recomputedActivations);
  }

  /** {@return the bytes that do not depend on the batch: weights, masters, gradients, AdamW} */
  public long fixed() {
    return weights + masters + gradients + optimizer;
  }

  /**
   * {@return one line; {@code shape} says what the activations are for (e.g. "1 x 2048 tokens on
   * cuda")}
   */
  String format(String shape) {
    return String.format(
        "%s fixed (weights %s, fp32 masters %s, gradients %s, AdamW %s) + activations for %s: %s, "
            + "or %s with activation recomputation",
        ByteSize.format(fixed()),
        ByteSize.format(weights),
        ByteSize.format(masters),
        ByteSize.format(gradients),
        ByteSize.format(optimizer),
        shape,
        ByteSize.format(activations),
        ByteSize.format(recomputedActivations));
  }

  void into(ObjectNode node) {
    node.put("weights", weights)
        .put("fp32_masters", masters)
        .put("gradients", gradients)
        .put("optimizer", optimizer)
        .put("fixed", fixed())
        .put("activations", activations)
        .put("activations_recomputed", recomputedActivations);
  }
}
