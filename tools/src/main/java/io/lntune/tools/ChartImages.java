package io.lntune.tools;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * XChart charts laid out side by side in one image, as PNG (Java2D, no display needed) or SVG
 * (XChart's VectorGraphics2D backend), and the colours their series share. Each chart keeps the
 * width and height it was built with; the image is as wide as all of them and as high as the
 * highest.
 *
 * <pre>{@code
 * byte[] png = ChartImages.png(List.of(lossChart, accuracyChart), "the demo chart");
 * }</pre>
 */
public final class ChartImages {
  /** Tableau 10: tells up to ten series apart, also in greyscale print. */
  private static final Color[] PALETTE = {
    new Color(0x4E79A7),
    new Color(0xF28E2B),
    new Color(0x59A14F),
    new Color(0xE15759),
    new Color(0x76B7B2),
    new Color(0xEDC948),
    new Color(0xB07AA1),
    new Color(0xFF9DA7),
    new Color(0x9C755F),
    new Color(0xBAB0AC)
  };

  private ChartImages() {}

  /**
   * The colour of the series at {@code index}, the same in every chart lntune draws, so that a
   * strategy or run keeps its colour from one panel to the next.
   *
   * @param index the series' position, 0 or more
   * @return its colour
   */
  public static Color colour(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /**
   * Draws {@code panels} left to right as a PNG.
   *
   * @param panels the charts, each at its own size
   * @param what names the image in an error message
   * @return the PNG bytes
   * @throws UncheckedIOException if the image cannot be encoded
   */
  public static byte[] png(List<? extends Chart<?, ?>> panels, String what) {
    BufferedImage image =
        new BufferedImage(width(panels), height(panels), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      paint(g, panels);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", bytes)) {
        throw new IOException("this JDK has no PNG writer for ImageIO");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("encoding " + what + " as PNG", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Draws {@code panels} left to right as an SVG document.
   *
   * @param panels the charts, each at its own size
   * @param what names the image in an error message
   * @return the SVG document's bytes (UTF-8)
   * @throws UncheckedIOException if the document cannot be written
   */
  public static byte[] svg(List<? extends Chart<?, ?>> panels, String what) {
    VectorGraphics2D g = new VectorGraphics2D();
    paint(g, panels);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      new SVGProcessor()
          .getDocument(g.getCommands(), new PageSize(width(panels), height(panels)))
          .writeTo(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding " + what + " as SVG", e);
    }
    return bytes.toByteArray();
  }

  private static void paint(Graphics2D g, List<? extends Chart<?, ?>> panels) {
    g.setColor(Color.WHITE); // under panels lower than the highest
    g.fillRect(0, 0, width(panels), height(panels));
    for (Chart<?, ?> chart : panels) {
      chart.paint(g, chart.getWidth(), chart.getHeight());
      g.translate(chart.getWidth(), 0);
    }
  }

  private static int width(List<? extends Chart<?, ?>> panels) {
    return panels.stream().mapToInt(Chart::getWidth).sum();
  }

  private static int height(List<? extends Chart<?, ?>> panels) {
    return panels.stream().mapToInt(Chart::getHeight).max().orElseThrow();
  }
}
