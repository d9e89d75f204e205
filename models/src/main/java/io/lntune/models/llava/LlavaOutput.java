package io.lntune.models.llava;

import io.lntune.models.nn.CausalLmLoss;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * A LLaVA forward pass over the spliced sequence (images expanded into their feature positions).
 *
 * @param logits [B, L, vocab]
 * @param labels [B, L], -100 at image, prompt and padding positions; null when no labels were given
 * @param attentionMask [B, L], 1 for real positions
 * @param loss the summed next-token loss and supervised token count; null without labels
 */
public record LlavaOutput(Tensor logits, Tensor labels, Tensor attentionMask, CausalLmLoss.Result lossOrNull) {
  public Optional<CausalLmLoss.Result> loss() {
    return Optional.ofNullable(lossOrNull);
  }
}
