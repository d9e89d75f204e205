package io.lntune.models.image;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * An immutable 8-bit RGB image, stored row by row with the three channels of each pixel together
 * ([height, width, 3], as numpy holds a PIL image). The geometry operations are the ones LLaVA's
 * preprocessing needs, each matching its Python counterpart exactly.
 *
 * <pre>{@code
 * RgbImage img = RgbImage.read(Path.of("coco/000000000139.jpg"));
 * RgbImage square = img.padToSquare(122, 116, 104);              // LLaVA-1.5's expand2square
 * RgbImage small = square.resize(336, 336);                        // PIL's BICUBIC, bit for bit
 * int red = small.get(0, 0, 0);
 * }</pre>
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] pixels;

  /**
   * Wraps {@code pixels} without a copy; callers inside the package hand over arrays they no longer
   * touch.
   */
  RgbImage(int width, int height, byte[] pixels) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + width + "x" + height);
    }
    if (pixels.length != (long) width * height * 3) {
      throw new IllegalArgumentException(
          "a "
              + width
              + "x"
              + height
              + " RGB image needs "
              + (long) width * height * 3
              + " bytes, got "
              + pixels.length);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  /**
   * {@return an image of a copy of {@code rgb} [height, width, 3]} @throws IllegalArgumentException
   * on a bad size
   */
  public static RgbImage of(int width, int height, byte[] rgb) {
    return new RgbImage(width, height, rgb.clone());
  }

  /** {@return an image of one colour} */
  public static RgbImage filled(int width, int height, int red, int green, int blue) {
    byte[] p = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
    for (int i = 0; i < p.length; i += 3) {
      p[i] = channel(red);
      p[i + 1] = channel(green);
      p[i + 2] = channel(blue);
    }
    return new RgbImage(width, height, p);
  }

  private static byte channel(int v) {
    if (v < 0 || v > 255) {
      throw new IllegalArgumentException("colour channels are 0..255, got " + v);
    }
    return (byte) v;
  }

  /** Decodes a JPEG or PNG file; see {@link ImageDecoder#read(Path)}. */
  public static RgbImage read(Path file) {
    return ImageDecoder.read(file);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /**
   * {@return channel {@code c} (0 red, 1 green, 2 blue) of pixel ({@code x}, {@code y}), 0..255}
   */
  public int get(int x, int y, int c) {
    if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
      throw new IndexOutOfBoundsException(
          "pixel ("
              + x
              + ", "
              + y
              + ") channel "
              + c
              + " is outside a "
              + width
              + "x"
              + height
              + " RGB image");
    }
    return pixels[(y * width + x) * 3 + c] & 0xFF;
  }

  /** {@return a copy of the pixels [height, width, 3]} */
  public byte[] toArray() {
    return pixels.clone();
  }

  /** The pixels without a copy, for the package's resampler. */
  byte[] pixels() {
    return pixels;
  }

  /**
   * {@return the {@code width} x {@code height} region whose top-left pixel is ({@code left},
   * {@code top})}
   *
   * @throws IllegalArgumentException if the region is empty or reaches outside the image
   */
  public RgbImage crop(int left, int top, int width, int height) {
    if (left < 0
        || top < 0
        || width <= 0
        || height <= 0
        || left + width > this.width
        || top + height > this.height) {
      throw new IllegalArgumentException(
          "crop "
              + width
              + "x"
              + height
              + " at ("
              + left
              + ", "
              + top
              + ") is outside the "
              + this.width
              + "x"
              + this.height
              + " image");
    }
    byte[] out = new byte[width * height * 3];
    for (int y = 0; y < height; y++) {
      System.arraycopy(pixels, ((top + y) * this.width + left) * 3, out, y * width * 3, width * 3);
    }
    return new RgbImage(width, height, out);
  }

  /**
   * {@return this image centred on a square of the given colour, as LLaVA-1.5's {@code
   * expand2square} does: the short side is padded, with {@code (long - short) / 2} (rounded down)
   * before the image; a square image is returned as it is}
   */
  public RgbImage padToSquare(int red, int green, int blue) {
    if (width == height) {
      return this;
    }
    int side = Math.max(width, height);
    RgbImage square = filled(side, side, red, green, blue);
    int left = (side - width) / 2;
    int top = (side - height) / 2;
    for (int y = 0; y < height; y++) {
      System.arraycopy(
          pixels, y * width * 3, square.pixels, ((top + y) * side + left) * 3, width * 3);
    }
    return square;
  }

  /**
   * {@return this image resized to {@code width} x {@code height} with PIL's {@code BICUBIC}
   * filter, bit for bit: see {@link PilBicubic}}
   */
  public RgbImage resize(int width, int height) {
    return PilBicubic.resize(this, width, height);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RgbImage other
        && width == other.width
        && height == other.height
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * width + height) + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
