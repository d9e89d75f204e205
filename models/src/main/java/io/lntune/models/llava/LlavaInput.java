package io.lntune.models.llava;

import java.util.Objects;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@link LlavaModel#forward(LlavaInput)} reads: token ids with image placeholders ({@link
 * LlavaConfig#IMAGE_TOKEN_INDEX} or the model's own image token, one per image), and optionally an
 * attention mask, labels and the images.
 *
 * <pre>{@code
 * LlavaInput input = LlavaInput.of(ids).withAttentionMask(mask).withLabels(labels).withPixels(pixels);
 * }</pre>
 *
 * @param ids [B, T] int64
 * @param attentionMask [B, T], 1 for real tokens and 0 for padding; empty when nothing is padded
 * @param labels [B, T] int64, -100 where unsupervised; empty for no loss
 * @param pixels [N, 3, H, W] for the N placeholders in row order; empty when there are none
 */
public record LlavaInput(
    Tensor ids, Optional<Tensor> attentionMask, Optional<Tensor> labels, Optional<Tensor> pixels) {

  /** Checks that no component is null. */
  public LlavaInput {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(attentionMask, "attentionMask");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(pixels, "pixels");
  }

  /** {@return token ids alone: nothing padded, no labels, no images} */
  public static LlavaInput of(Tensor ids) {
    return new LlavaInput(ids, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** {@return this input with {@code mask} [B, T] (1 = real token)} */
  public LlavaInput withAttentionMask(Tensor mask) {
    return new LlavaInput(ids, Optional.of(mask), labels, pixels);
  }

  /** {@return this input with {@code labels} [B, T] (-100 where unsupervised)} */
  public LlavaInput withLabels(Tensor labels) {
    return new LlavaInput(ids, attentionMask, Optional.of(labels), pixels);
  }

  /** {@return this input with the images {@code pixels} [N, 3, H, W] for its N placeholders} */
  public LlavaInput withPixels(Tensor pixels) {
    return new LlavaInput(ids, attentionMask, labels, Optional.of(pixels));
  }
}
