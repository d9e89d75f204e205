package io.lntune.training.data;

import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.image.RgbImage;
import io.lntune.models.llava.LlavaConfig;

/**
 * CLIP's preprocessing as an {@link ImageTransform}: LLaVA-1.5's pad-to-square with the mean colour
 * when asked, the shortest side resized with PIL's bicubic filter, a centre crop, then {@code (v /
 * 255 - mean) / std}, exactly as {@link ClipImageProcessor} computes it. Thread-safe.
 *
 * <pre>{@code
 * ImageTransform t = ClipTransform.forModel(model.config());   // 336 px, padded, for LLaVA-1.5
 * }</pre>
 */
public final class ClipTransform implements ImageTransform {
  private final ClipImageProcessor processor;

  public ClipTransform(ClipImageProcessor processor) {
    this.processor = processor;
  }

  /**
   * {@return the transform a LLaVA model expects: its tower's image size, padded when its config
   * says {@code pad}}
   */
  public static ClipTransform forModel(LlavaConfig config) {
    return new ClipTransform(
        ClipImageProcessor.forImageSize(config.vision().imageSize())
            .withPadToSquare(config.imageAspectRatio().equals("pad")));
  }

  @Override
  public int[] shape() {
    return new int[] {3, processor.cropSize(), processor.cropSize()};
  }

  @Override
  public float[] apply(RgbImage image) {
    return processor.normalize(processor.prepare(image));
  }
}
