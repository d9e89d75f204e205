package io.lntune.models.clip;

import static org.bytedeco.pytorch.global.torch.stack;

import java.util.List;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Everything a full pass of the vision tower computes, as Hugging Face's {@code CLIPVisionModel}
 * returns it with {@code output_hidden_states=True}.
 *
 * <pre>{@code
 * ClipVisionOutput out = tower.forward(pixels);
 * Tensor features = out.select(FeatureSelection.llava());    // [batch, patches, width]
 * Tensor all = out.stackedHiddenStates();                     // [layers + 1, batch, positions, width]
 * }</pre>
 *
 * @param hiddenStates {@code layers + 1} tensors [batch, positions, width]: entry 0 is the
 *     embedding output after {@code pre_layrnorm}, entry {@code i} the output of encoder layer
 *     {@code i}
 * @param pooled {@code post_layernorm} of the last layer's class token [batch, width] (CLIP's
 *     pooled output)
 */
public record ClipVisionOutput(List<Tensor> hiddenStates, Tensor pooled) {
  public ClipVisionOutput {
    hiddenStates = List.copyOf(hiddenStates);
    Objects.requireNonNull(pooled, "pooled");
  }

  /**
   * {@return the output of the last encoder layer [batch, positions, width], without {@code
   * post_layernorm}}
   */
  public Tensor lastHiddenState() {
    return hiddenStates.get(hiddenStates.size() - 1);
  }

  /** {@return the image features that {@code selection} picks} */
  public Tensor select(FeatureSelection selection) {
    return selection.tokensOf(
        hiddenStates.get(selection.hiddenStateIndex(hiddenStates.size() - 1)));
  }

  /** {@return the hidden states as one tensor [layers + 1, batch, positions, width]} */
  public Tensor stackedHiddenStates() {
    return stack(new TensorVector(hiddenStates.toArray(new Tensor[0])), 0);
  }
}
