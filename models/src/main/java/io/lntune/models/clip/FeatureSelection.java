package io.lntune.models.clip;

import java.util.Locale;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Which hidden state of the vision tower becomes the image features, and which of its tokens:
 * LLaVA's {@code mm_vision_select_layer} and {@code mm_vision_select_feature}. The layer indexes
 * Hugging Face's {@code hidden_states} tuple, whose entry 0 is the embedding output after {@code
 * pre_layrnorm} and entry {@code i} the output of encoder layer {@code i}; negative indexes count
 * from the end, so LLaVA's -2 is the output of the penultimate layer. {@code post_layernorm} is not
 * applied.
 *
 * <pre>{@code
 * FeatureSelection llava = FeatureSelection.llava();                 // layer -2, patch tokens only
 * FeatureSelection all = new FeatureSelection(-1, FeatureSelection.Tokens.CLS_PATCH);
 * int index = llava.hiddenStateIndex(24);                              // 23
 * }</pre>
 *
 * @param layer the index into the hidden states, negative from the end
 * @param tokens which tokens to keep
 */
public record FeatureSelection(int layer, Tokens tokens) {

  /** The tokens kept from the selected hidden state. */
  public enum Tokens {
    /** The patch tokens: the class token (position 0) is dropped. LLaVA's {@code patch}. */
    PATCH("patch"),
    /** The class token followed by the patch tokens. LLaVA's {@code cls_patch}. */
    CLS_PATCH("cls_patch");

    private final String llavaName;

    Tokens(String llavaName) {
      this.llavaName = llavaName;
    }

    /** {@return LLaVA's name: {@code patch} or {@code cls_patch}} */
    public String llavaName() {
      return llavaName;
    }

    /**
     * @throws IllegalArgumentException naming the text and the accepted names
     */
    public static Tokens parse(String name) {
      String s = name.strip().toLowerCase(Locale.ROOT);
      for (Tokens t : values()) {
        if (t.llavaName.equals(s)) {
          return t;
        }
      }
      throw new IllegalArgumentException(
          "unknown feature selection '" + name + "': expected patch or cls_patch");
    }
  }

  public FeatureSelection {
    Objects.requireNonNull(tokens, "tokens");
  }

  /** {@return LLaVA's default: the penultimate layer's output, patch tokens only} */
  public static FeatureSelection llava() {
    return new FeatureSelection(-2, Tokens.PATCH);
  }

  /**
   * {@return the non-negative index of the selected hidden state in a tower of {@code numLayers}
   * layers}
   *
   * @throws IllegalArgumentException if the layer is outside {@code -(numLayers + 1) .. numLayers}
   */
  public int hiddenStateIndex(int numLayers) {
    int index = layer < 0 ? numLayers + 1 + layer : layer;
    if (index < 0 || index > numLayers) {
      throw new IllegalArgumentException(
          "select layer "
              + layer
              + " is out of range for a tower of "
              + numLayers
              + " layers: hidden states are 0.."
              + numLayers
              + " (or "
              + -(numLayers + 1)
              + "..-1)");
    }
    return index;
  }

  /** {@return the selected tokens of {@code hidden} [batch, positions, width]} */
  public Tensor tokensOf(Tensor hidden) {
    return tokens == Tokens.PATCH
        ? hidden.narrow(1, 1, hidden.size(1) - 1)
        : hidden; // [batch, tokens, width]
  }

  @Override
  public String toString() {
    return "layer " + layer + ", " + tokens.llavaName;
  }
}
