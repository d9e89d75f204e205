package io.lntune.training.data;

import java.awt.image.BufferedImage;

/**
 * Turns a decoded image into the model's pixel input, {@code [channels, height, width]} floats in row-major
 * order. The data pipeline calls it on its worker threads, so implementations must be thread-safe. The CLIP
 * image processor (pad to square, bicubic resize, centre crop, normalise) plugs in here; {@link ResizeNormalize}
 * is a simple one for tests and tiny models.
 *
 * <pre>{@code
 * ImageTransform t = new ResizeNormalize(224, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
 * float[] pixels = t.apply(ImageIO.read(file));   // 3 * 224 * 224 values
 * }</pre>
 */
public interface ImageTransform {
  /** {@return the output shape: channels, height, width} */
  int[] shape();

  /** {@return the pixel values of {@code image}, {@code shape()[0] * shape()[1] * shape()[2]} of them} */
  float[] apply(BufferedImage image);
}
