package io.lntune.models.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Decodes image files into 8-bit RGB, as LLaVA and Hugging Face load them with PIL's {@code
 * Image.open(f).convert("RGB")}: greyscale is replicated into three channels, alpha is dropped (not
 * composited), palettes are looked up. Samples are read from the raster as stored, never through
 * Java's colour conversion (which treats greyscale as linear and would brighten it). 16-bit PNGs
 * keep the high byte of each sample, as PIL does for 16-bit RGB.
 *
 * <p>Decoding goes through {@code javax.imageio}: JPEG (RGB, greyscale, and the CMYK and YCCK ones
 * COCO contains a few of, converted as PIL converts them: {@link AdobeJpeg}), PNG (every colour
 * type and depth), GIF and BMP.
 *
 * <pre>{@code
 * RgbImage img = ImageDecoder.read(Path.of("cat.jpg"));
 * }</pre>
 *
 * <p>The size an image declares in its header is checked against a pixel budget before anything is
 * decoded, so that a small file declaring a huge picture (a decompression bomb) is refused instead
 * of exhausting memory.
 *
 * <p>Thread-safe: every call uses its own reader.
 */
public final class ImageDecoder {
  /** The default pixel budget: PIL's {@code Image.MAX_IMAGE_PIXELS}, about 9,459 pixels square. */
  public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

  /**
   * The system property that sets the pixel budget of {@link #read(Path)} ({@code
   * --max-image-pixels}).
   */
  public static final String MAX_PIXELS_PROPERTY = "lntune.image.maxPixels";

  private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";
  private static final String CONVERT =
      "convert it to RGB first (e.g. with PIL's Image.open(f).convert(\"RGB\"))";
  private static final long MAX_RGB_BYTES = Integer.MAX_VALUE - 8; // the largest Java array

  private ImageDecoder() {}

  /**
   * {@return the image in {@code file} as 8-bit RGB} The pixel budget is {@link #maxPixels()}.
   *
   * @throws ImageException naming the file: missing, unreadable, not an image, over the pixel
   *     budget, or an encoding javax.imageio cannot decode (CMYK/YCCK JPEG, unsupported colour
   *     space)
   */
  public static RgbImage read(Path file) {
    return read(file, maxPixels());
  }

  /**
   * {@return the pixel budget in force: the system property {@value #MAX_PIXELS_PROPERTY}, else
   * {@link #DEFAULT_MAX_PIXELS}}
   *
   * @throws IllegalArgumentException if the property is not a positive integer
   */
  public static long maxPixels() {
    String value = System.getProperty(MAX_PIXELS_PROPERTY);
    if (value == null) {
      return DEFAULT_MAX_PIXELS;
    }
    try {
      long n = Long.parseLong(value.strip());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        MAX_PIXELS_PROPERTY
            + " (--max-image-pixels) must be a positive integer, got '"
            + value
            + "'");
  }

  /**
   * {@return the image in {@code file} as 8-bit RGB, if its header declares at most {@code
   * maxPixels} pixels}
   *
   * @throws ImageException as {@link #read(Path)}
   * @throws IllegalArgumentException if {@code maxPixels} is not positive
   */
  public static RgbImage read(Path file, long maxPixels) {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("the pixel budget must be positive, got " + maxPixels);
    }
    if (!Files.isRegularFile(file)) {
      throw new ImageException(file, "no such file");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new ImageException(
            file, "is not an image javax.imageio can decode (JPEG, PNG, GIF, BMP)");
      }
      ImageReader reader = readers.next();
      String format = reader.getFormatName().toUpperCase(Locale.ROOT);
      boolean jpeg = format.equals("JPEG") || format.equals("JPG");
      try {
        reader.setInput(in, true, !jpeg); // a JPEG's markers tell whether it holds CMYK or YCCK
        checkSize(file, reader.getWidth(0), reader.getHeight(0), maxPixels);
        Node markers = jpeg ? reader.getImageMetadata(0).getAsTree(JPEG_METADATA) : null;
        if (markers != null && components(markers) == 4) {
          return AdobeJpeg.toRgb(reader.readRaster(0, null), adobeTransform(markers));
        }
        return toRgb(file, reader.read(0));
      } catch (IIOException e) {
        throw new ImageException(file, "cannot decode this " + format + ": " + e.getMessage(), e);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new ImageException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /** {@return the number of components in the frame header (SOF) of a JPEG's metadata tree} */
  private static int components(Node markers) {
    Node sof = first(markers, "sof");
    return sof == null ? 3 : Integer.parseInt(((Element) sof).getAttribute("numFrameComponents"));
  }

  /** {@return the transform of the Adobe APP14 marker: 0 CMYK (also without the marker), 2 YCCK} */
  private static int adobeTransform(Node markers) {
    Node adobe = first(markers, "app14Adobe");
    return adobe == null
        ? AdobeJpeg.CMYK
        : Integer.parseInt(((Element) adobe).getAttribute("transform"));
  }

  private static Node first(Node tree, String name) {
    NodeList nodes = ((Element) tree).getElementsByTagName(name);
    return nodes.getLength() == 0 ? null : nodes.item(0);
  }

  private static void checkSize(Path file, int width, int height, long maxPixels) {
    long pixels = (long) width * height;
    if (pixels > maxPixels || pixels * 3 > MAX_RGB_BYTES) {
      throw new ImageException(
          file,
          String.format(
              "declares %,d x %,d = %,d pixels, over the budget of %,d (a "
                  + "decompression bomb, or raise the budget)",
              width, height, pixels, Math.min(maxPixels, MAX_RGB_BYTES / 3)));
    }
  }

  private static RgbImage toRgb(Path file, BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    byte[] out = new byte[width * height * 3];
    if (cm instanceof IndexColorModel palette) {
      int[] row = new int[width];
      for (int y = 0; y < height; y++) {
        raster.getSamples(0, y, width, 1, 0, row);
        for (int x = 0; x < width; x++) {
          int o = (y * width + x) * 3;
          out[o] = (byte) palette.getRed(row[x]);
          out[o + 1] = (byte) palette.getGreen(row[x]);
          out[o + 2] = (byte) palette.getBlue(row[x]);
        }
      }
      return new RgbImage(width, height, out);
    }
    int space = cm.getColorSpace().getType();
    int colours = cm.getNumColorComponents();
    boolean grey = space == ColorSpace.TYPE_GRAY && colours == 1;
    if (!grey && !(space == ColorSpace.TYPE_RGB && colours == 3)) {
      throw new ImageException(
          file,
          "is a "
              + spaceName(space)
              + " image with "
              + colours
              + " colour components, "
              + "which lntune does not decode: "
              + CONVERT);
    }
    int bands = raster.getNumBands();
    int[] bits = new int[3];
    for (int c = 0; c < 3; c++) {
      bits[c] = cm.getComponentSize(grey ? 0 : c);
    }
    int[] row = new int[width * bands];
    for (int y = 0; y < height; y++) {
      raster.getPixels(0, y, width, 1, row);
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < 3; c++) {
          out[(y * width + x) * 3 + c] = (byte) to8Bits(row[x * bands + (grey ? 0 : c)], bits[c]);
        }
      }
    }
    return new RgbImage(width, height, out);
  }

  private static String spaceName(int type) {
    switch (type) {
      case ColorSpace.TYPE_CMYK:
        return "CMYK";
      case ColorSpace.TYPE_YCbCr:
        return "YCbCr";
      case ColorSpace.TYPE_GRAY:
        return "greyscale";
      case ColorSpace.TYPE_RGB:
        return "RGB";
      default:
        return "colour space type " + type;
    }
  }

  /**
   * 16-bit samples keep their high byte (PIL's choice); 1, 2 and 4-bit ones are stretched over
   * 0..255, as PIL does.
   */
  private static int to8Bits(int sample, int bits) {
    if (bits == 8) {
      return sample;
    }
    return bits > 8 ? sample >>> (bits - 8) : sample * 255 / ((1 << bits) - 1);
  }
}
