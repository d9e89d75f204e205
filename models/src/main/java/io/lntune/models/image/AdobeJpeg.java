package io.lntune.models.image;

import java.awt.image.Raster;

/**
 * The four-component JPEGs of Adobe's conventions (CMYK, and YCCK as Photoshop writes it; COCO
 * holds a few) turned into RGB exactly as PIL's {@code Image.open(f).convert("RGB")} does it, from
 * the component samples as stored: YCCK is first made CMYK with libjpeg's fixed-point YCbCr
 * arithmetic, the CMYK samples are read as inverted (PIL assumes Adobe's inversion for every CMYK
 * JPEG), and each channel becomes {@code (255 - K) - (C x (255 - K)) / 255} with PIL's rounding. No
 * colour profile is applied: PIL applies none either.
 *
 * <pre>{@code
 * RgbImage rgb = AdobeJpeg.toRgb(reader.readRaster(0, null), AdobeJpeg.YCCK);
 * }</pre>
 */
final class AdobeJpeg {
  /**
   * Adobe's APP14 transform for CMYK stored as is (also what a four-component JPEG without the
   * marker holds).
   */
  static final int CMYK = 0;

  /** Adobe's APP14 transform for YCCK: CMYK with its C, M and Y stored as YCbCr. */
  static final int YCCK = 2;

  private static final int SCALEBITS = 16;
  private static final int ONE_HALF = 1 << (SCALEBITS - 1);

  private AdobeJpeg() {}

  /**
   * {@return the RGB picture of {@code raster}'s four stored components under Adobe {@code
   * transform}}
   */
  static RgbImage toRgb(Raster raster, int transform) {
    int width = raster.getWidth();
    int height = raster.getHeight();
    byte[] out = new byte[width * height * 3];
    int[] row = new int[width * 4];
    int[] cmyk = new int[4];
    for (int y = 0; y < height; y++) {
      raster.getPixels(0, y, width, 1, row);
      for (int x = 0; x < width; x++) {
        int o = x * 4;
        if (transform == YCCK) {
          yccToCmy(row[o], row[o + 1], row[o + 2], cmyk);
        } else {
          cmyk[0] = row[o];
          cmyk[1] = row[o + 1];
          cmyk[2] = row[o + 2];
        }
        int nk = row[o + 3]; // PIL's 255 - K of the inverted sample: the stored sample itself
        for (int c = 0; c < 3; c++) {
          int inverted = 255 - cmyk[c];
          out[(y * width + x) * 3 + c] = (byte) clamp(nk - mulDiv255(inverted, nk));
        }
      }
    }
    return new RgbImage(width, height, out);
  }

  /**
   * libjpeg's {@code ycck_cmyk_convert} for one pixel's Y, Cb, Cr: C, M, Y = 255 - R, G, B,
   * clamped.
   */
  private static void yccToCmy(int luma, int cb, int cr, int[] cmy) {
    int crR = (fix(1.40200) * (cr - 128) + ONE_HALF) >> SCALEBITS;
    int cbB = (fix(1.77200) * (cb - 128) + ONE_HALF) >> SCALEBITS;
    int g = (-fix(0.34414) * (cb - 128) + ONE_HALF - fix(0.71414) * (cr - 128)) >> SCALEBITS;
    cmy[0] = clamp(255 - (luma + crR));
    cmy[1] = clamp(255 - (luma + g));
    cmy[2] = clamp(255 - (luma + cbB));
  }

  private static int fix(double x) {
    return (int) (x * (1L << SCALEBITS) + 0.5);
  }

  /** PIL's {@code MULDIV255}: a x b / 255, rounded as its integer arithmetic rounds. */
  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
