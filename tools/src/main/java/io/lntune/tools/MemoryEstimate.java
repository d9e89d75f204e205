package io.lntune.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.torch.ByteSize;
import io.lntune.torch.DType;

/**
 * A first-order training memory estimate: frozen and trainable weights in the model's dtype, fp32 masters (when the
 * model is not fp32), fp32 gradients and two fp32 AdamW moments per trainable parameter, and activations kept for
 * the backward pass per token of sequence: per decoder layer about 16 hidden-width and 3 MLP-width values (inputs of
 * the norms, projections, attention and SwiGLU), in the model's dtype. Measured peaks live in {@code lntune bench}.
 *
 * @param weights bytes of all weights
 * @param masters bytes of fp32 master copies
 * @param gradients bytes of fp32 gradients
 * @param optimizer bytes of AdamW state
 * @param activationsPerToken bytes of saved activations per token
 */
record MemoryEstimate(long weights, long masters, long gradients, long optimizer, long activationsPerToken) {

  static MemoryEstimate of(LlavaConfig config, long total, long trainable, DType dtype) {
    long width = dtype.byteSize();
    long masters = dtype == DType.F32 ? 0 : 4 * trainable;
    var t = config.text();
    long perLayer = (16 * t.hiddenSize() + 3 * t.intermediateSize()) * width;
    return new MemoryEstimate(total * width, masters, 4 * trainable, 8 * trainable, perLayer * t.numHiddenLayers());
  }

  long fixed() {
    return weights + masters + gradients + optimizer;
  }

  String format() {
    return String.format("%s fixed (weights %s, fp32 masters %s, gradients %s, AdamW %s) + %s of activations per "
        + "token of sequence", ByteSize.format(fixed()), ByteSize.format(weights), ByteSize.format(masters),
        ByteSize.format(gradients), ByteSize.format(optimizer), ByteSize.format(activationsPerToken));
  }

  void into(ObjectNode node) {
    node.put("weights", weights).put("fp32_masters", masters).put("gradients", gradients)
        .put("optimizer", optimizer).put("fixed", fixed()).put("activations_per_token", activationsPerToken);
  }
}
