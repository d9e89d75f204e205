package io.lntune.models.llama;

import static org.bytedeco.pytorch.global.torch.softmax;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Picks the next token of each sequence from its logits, as a {@link GenerationConfig} says. */
final class TokenSampler {
  private final GenerationConfig config;

  TokenSampler(GenerationConfig config) {
    this.config = config;
  }

  /**
   * @param logits [B, vocab] @return the chosen ids [B] int64
   */
  Tensor next(Tensor logits) {
    if (config.greedy()) {
      return logits.argmax(new LongOptional(-1), false);
    }
    Tensor scores = logits.to(ScalarType.Float).div(new Scalar(config.temperature())); // [B, V]
    if (config.topK() > 0 && config.topK() < scores.size(-1)) {
      Tensor kth =
          scores
              .topk(config.topK(), -1, true, true)
              .get0()
              .narrow(-1, config.topK() - 1, 1); // [B, 1]
      scores = scores.masked_fill(scores.lt(kth), new Scalar(Double.NEGATIVE_INFINITY));
    }
    if (config.topP() < 1) {
      scores = nucleus(scores, config.topP());
    }
    return softmax(scores, -1).multinomial(1).squeeze(-1); // [B]
  }

  /**
   * Keeps the most likely tokens whose probabilities sum to at least {@code p} (always the first).
   */
  private static Tensor nucleus(Tensor scores, double p) {
    T_TensorTensor_T sorted = scores.sort(-1, true); // descending
    Tensor probs = softmax(sorted.get0(), -1);
    Tensor before = probs.cumsum(-1).sub(probs); // mass above each token
    Tensor dropSorted = before.ge(new Scalar(p)); // [B, V] in sorted order
    Tensor drop = dropSorted.scatter(-1, sorted.get1(), dropSorted); // back to vocab order
    return scores.masked_fill(drop, new Scalar(Double.NEGATIVE_INFINITY));
  }
}
