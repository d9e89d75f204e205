package io.lntune.training.data;

import io.lntune.models.image.RgbImage;

/**
 * Turns a decoded image into the model's pixel input, {@code [channels, height, width]} floats in
 * row-major order. The data pipeline calls it on its worker threads, so implementations must be
 * thread-safe. {@link ClipTransform} is CLIP's preprocessing (pad to square, bicubic resize, centre
 * crop, normalise); {@link ResizeNormalize} a plain resize for tests and tiny models.
 *
 * <pre>{@code
 * ImageTransform t = new ResizeNormalize(224, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
 * float[] pixels = t.apply(RgbImage.read(file));   // 3 * 224 * 224 values
 * }</pre>
 */
public interface ImageTransform {
  /** {@return the output shape: channels, height, width} */
  int[] shape();

  /**
   * {@return the pixel values of {@code image}, {@code shape()[0] * shape()[1] * shape()[2]} of
   * them}
   */
  float[] apply(RgbImage image);
}
