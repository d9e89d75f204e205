package io.lntune.models.llava;

import io.lntune.models.nn.CausalLmLoss;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * A LLaVA forward pass over the spliced sequence (images expanded into their feature positions).
 *
 * @param logits [B, L, vocab]
 * @param labels [B, L], -100 at image, prompt and padding positions; empty when no labels were
 *     given
 * @param attentionMask [B, L], 1 for real positions
 * @param loss the summed next-token loss and supervised token count; empty without labels
 */
public record LlavaOutput(
    Tensor logits,
    Optional<Tensor> labels,
    Tensor attentionMask,
    Optional<CausalLmLoss.Result> loss) {
  /**
   * Checks that {@code labels} and {@code loss} are {@code Optional}s, empty rather than null
   * without labels.
   */
  public LlavaOutput {
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(loss, "loss");
  }
}
