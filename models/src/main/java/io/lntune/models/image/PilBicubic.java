package io.lntune.models.image;

/**
 * PIL's {@code Image.resize(size, BICUBIC)} for 8-bit images, reproduced operation for operation
 * from Pillow's {@code libImaging/Resample.c} so that the result is identical, not merely close:
 *
 * <ul>
 *   <li>the cubic convolution kernel with {@code a = -0.5} and support 2;
 *   <li>when downscaling, the kernel is stretched by the scale factor (support {@code 2 * in /
 *       out}), which antialiases, and the taps of each output pixel are normalised to sum to one;
 *   <li>the weights are turned into 22-bit fixed point, and each pass rounds and clips to 8 bits;
 *   <li>two separable passes: horizontal first (over only the rows the vertical pass reads), then
 *       vertical; a pass whose size does not change is skipped.
 * </ul>
 *
 * Hugging Face's {@code CLIPImageProcessor} resizes through PIL in exactly this way, and Java's own
 * bicubic ({@code a = -1}, no antialiasing) differs from it by many levels.
 */
final class PilBicubic {
  /** Fixed-point precision of the weights: 32 bits minus 8 for the pixel minus 2 for overshoot. */
  private static final int PRECISION_BITS = 32 - 8 - 2;

  private static final double SUPPORT = 2.0;

  private PilBicubic() {}

  /**
   * The taps of one pass: output pixel {@code i} reads {@code count[i]} inputs from {@code
   * first[i]}.
   */
  private record Taps(int[] first, int[] count, int[][] weights) {
    int end() {
      int last = first.length - 1;
      return first[last] + count[last];
    }
  }

  static RgbImage resize(RgbImage in, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "resize target must be positive, got " + width + "x" + height);
    }
    if (width == in.width() && height == in.height()) {
      return in;
    }
    Taps vertical = taps(in.height(), height);
    byte[] pixels = in.pixels();
    int rowOffset = 0;
    if (width != in.width()) {
      int firstRow = vertical.first()[0];
      pixels =
          horizontal(
              pixels, in.width(), firstRow, vertical.end() - firstRow, taps(in.width(), width));
      rowOffset = firstRow;
    }
    if (height != in.height()) {
      pixels = vertical(pixels, width, rowOffset, vertical);
    }
    return new RgbImage(width, height, pixels);
  }

  /**
   * The cubic convolution kernel with a = -0.5, written as Pillow writes it so that every double
   * rounds alike.
   */
  private static double bicubic(double x) {
    if (x < 0.0) {
      x = -x;
    }
    if (x < 1.0) {
      return (1.5 * x - 2.5) * x * x + 1; // ((a + 2) x - (a + 3)) x^2 + 1
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * -0.5; // (((x - 5) x + 8) x - 4) a
    }
    return 0.0;
  }

  /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
  private static Taps taps(int inSize, int outSize) {
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = SUPPORT * filterScale;
    double ss = 1.0 / filterScale;
    int[] first = new int[outSize];
    int[] count = new int[outSize];
    int[][] weights = new int[outSize][];
    for (int xx = 0; xx < outSize; xx++) {
      double center = (xx + 0.5) * scale;
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
      double[] k = new double[xmax];
      double ww = 0.0;
      for (int x = 0; x < xmax; x++) {
        k[x] = bicubic((x + xmin - center + 0.5) * ss);
        ww += k[x];
      }
      int[] fixed = new int[xmax];
      for (int x = 0; x < xmax; x++) {
        double w = ww != 0.0 ? k[x] / ww : k[x];
        fixed[x] =
            w < 0
                ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                : (int) (0.5 + w * (1 << PRECISION_BITS));
      }
      first[xx] = xmin;
      count[xx] = xmax;
      weights[xx] = fixed;
    }
    return new Taps(first, count, weights);
  }

  /**
   * Resamples rows {@code firstRow .. firstRow + rows} of {@code src} (width {@code srcWidth})
   * horizontally.
   */
  private static byte[] horizontal(byte[] src, int srcWidth, int firstRow, int rows, Taps taps) {
    int outWidth = taps.first().length;
    byte[] out = new byte[outWidth * rows * 3];
    for (int y = 0; y < rows; y++) {
      int rowStart = (firstRow + y) * srcWidth;
      for (int xx = 0; xx < outWidth; xx++) {
        int[] k = taps.weights()[xx];
        int base = (rowStart + taps.first()[xx]) * 3;
        for (int c = 0; c < 3; c++) {
          int sum = 1 << (PRECISION_BITS - 1);
          for (int x = 0; x < k.length; x++) {
            sum += (src[base + x * 3 + c] & 0xFF) * k[x];
          }
          out[(y * outWidth + xx) * 3 + c] = clip8(sum);
        }
      }
    }
    return out;
  }

  /**
   * Resamples {@code src} (width {@code width}, whose row 0 is input row {@code rowOffset})
   * vertically.
   */
  private static byte[] vertical(byte[] src, int width, int rowOffset, Taps taps) {
    int outHeight = taps.first().length;
    byte[] out = new byte[width * outHeight * 3];
    for (int yy = 0; yy < outHeight; yy++) {
      int[] k = taps.weights()[yy];
      int firstRow = taps.first()[yy] - rowOffset;
      for (int x = 0; x < width * 3; x++) {
        int sum = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < k.length; y++) {
          sum += (src[(firstRow + y) * width * 3 + x] & 0xFF) * k[y];
        }
        out[yy * width * 3 + x] = clip8(sum);
      }
    }
    return out;
  }

  /** Drops the fraction bits (rounding was added up front) and clips to 0..255. */
  private static byte clip8(int sum) {
    int v = sum >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }
}
