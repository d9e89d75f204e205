package io.lntune.training.data;

import io.lntune.models.image.RgbImage;

/**
 * The simplest {@link ImageTransform}: stretch to {@code size x size} (PIL's bicubic filter), scale
 * to [0, 1], then subtract a per-channel mean and divide by a per-channel standard deviation. RGB,
 * channels first. Not CLIP's processor (no aspect-preserving resize, no crop, no antialiasing);
 * meant for tests and for the synthetic world, whose images are already square.
 *
 * <pre>{@code
 * ImageTransform t = ResizeNormalize.unit(64);   // mean 0.5, std 0.5: values in [-1, 1]
 * }</pre>
 *
 * @param size the output width and height in pixels
 * @param mean the per-channel mean (R, G, B)
 * @param std the per-channel standard deviation (R, G, B)
 */
public record ResizeNormalize(int size, float[] mean, float[] std) implements ImageTransform {
  public ResizeNormalize {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1, got " + size);
    }
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("mean and std need 3 values (R, G, B)");
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** {@return a transform to {@code size} pixels with mean 0.5 and std 0.5 per channel} */
  public static ResizeNormalize unit(int size) {
    return new ResizeNormalize(
        size, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
  }

  @Override
  public int[] shape() {
    return new int[] {3, size, size};
  }

  @Override
  public float[] apply(RgbImage image) {
    RgbImage square = image.resize(size, size); // PIL's bicubic
    int plane = size * size;
    float[] out = new float[3 * plane];
    byte[] rgb = square.toArray();
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        out[c * plane + i] = ((rgb[i * 3 + c] & 0xff) / 255f - mean[c]) / std[c];
      }
    }
    return out;
  }
}
