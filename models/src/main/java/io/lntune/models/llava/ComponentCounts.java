package io.lntune.models.llava;

import io.lntune.models.nn.Modules;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Parameter counts of a LLaVA model by component.
 *
 * @param vision the vision tower
 * @param projector the connector
 * @param embeddings {@code model.embed_tokens}
 * @param head {@code lm_head} (0 when tied to the embeddings)
 * @param blocks the decoder blocks and the final norm (the language model less embeddings and head)
 */
public record ComponentCounts(
    long vision, long projector, long embeddings, long head, long blocks) {

  /** {@return the language model: blocks, embeddings and head} */
  public long languageModel() {
    return blocks + embeddings + head;
  }

  public long total() {
    return vision + projector + languageModel();
  }

  static ComponentCounts of(Module llava) {
    long vision = 0;
    long projector = 0;
    long embeddings = 0;
    long head = 0;
    long blocks = 0;
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(llava).entrySet()) {
      String n = e.getKey();
      long c = e.getValue().numel();
      if (n.startsWith(LlavaKeys.VISION)) {
        vision += c;
      } else if (n.startsWith(LlavaKeys.PROJECTOR)) {
        projector += c;
      } else if (n.equals("model.embed_tokens.weight")) {
        embeddings += c;
      } else if (n.equals("lm_head.weight")) {
        head += c;
      } else {
        blocks += c;
      }
    }
    return new ComponentCounts(vision, projector, embeddings, head, blocks);
  }
}
