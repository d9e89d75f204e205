package io.lntune.tools.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The demo's chart: stage-2 training loss per strategy on the left, held-out accuracy per strategy on the right, one
 * colour per strategy in both panels. Drawn with Java2D, which needs no display.
 */
final class DemoChart {
  static final int WIDTH = 1200;
  static final int HEIGHT = 520;
  /** Where the right panel starts. */
  static final int SPLIT = 620;

  // Tableau 10 with D3's olive for its yellow, which vanishes on white; an eleventh strategy reuses the first colour.
  private static final Color[] PALETTE = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0x59A14F),
      new Color(0xE15759), new Color(0xB07AA1), new Color(0x9C755F), new Color(0xFF9DA7), new Color(0x76B7B2),
      new Color(0xBAB0AC), new Color(0xBCBD22)};
  private static final Color TEXT = new Color(0x222222);
  private static final Color AXIS = new Color(0x444444);
  private static final Color GRID = new Color(0xE6E6E6);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
  private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  private static final Font VALUE = new Font(Font.SANS_SERIF, Font.BOLD, 13);

  private static final Rectangle2D.Double LOSS_PLOT = new Rectangle2D.Double(80, 60, 515, 385);
  // The right margin holds the chance line's label, where no bar or value can cover it.
  private static final Rectangle2D.Double ACCURACY_PLOT = new Rectangle2D.Double(SPLIT + 78, 60, 432, 385);

  private DemoChart() {}

  /** {@return the colour of the run at {@code index}, the same in both panels} */
  static Color colour(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /** {@return the chart as PNG bytes} */
  static byte[] png(List<DemoRun> runs, double chanceAccuracy) {
    BufferedImage image = draw(runs, chanceAccuracy);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", bytes)) {
        throw new IllegalStateException("this JDK has no PNG writer for ImageIO");
      }
    } catch (IOException e) {
      // A ByteArrayOutputStream does not fail; the encoder would have to.
      throw new UncheckedIOException("encoding the demo chart as PNG failed", e);
    }
    return bytes.toByteArray();
  }

  private static BufferedImage draw(List<DemoRun> runs, double chanceAccuracy) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      drawLosses(g, runs);
      drawAccuracies(g, runs, chanceAccuracy);
    } finally {
      g.dispose();
    }
    return image;
  }

  private static void drawLosses(Graphics2D g, List<DemoRun> runs) {
    Rectangle2D.Double p = LOSS_PLOT;
    int longest = 0;
    double maxLoss = 0;
    for (DemoRun run : runs) {
      longest = Math.max(longest, run.losses().size());
      for (double loss : run.losses()) {
        maxLoss = Math.max(maxLoss, loss);
      }
    }
    NiceScale ys = NiceScale.of(maxLoss, 5, false);
    NiceScale xs = NiceScale.of(longest, 6, true);
    drawYAxis(g, p, ys, "");
    for (int i = 0; i <= xs.steps(); i++) {
      double x = p.x + p.width * i / xs.steps();
      g.setColor(AXIS);
      g.draw(new Line2D.Double(x, p.getMaxY(), x, p.getMaxY() + 5));
      centred(g, TICK, xs.label(i), x, p.getMaxY() + 20);
    }
    centred(g, LABEL, "training step", p.getCenterX(), p.getMaxY() + 45);
    vertical(g, "loss", p.x - 55, p.getCenterY());
    centred(g, TITLE, "Stage-2 training loss", p.getCenterX(), 35);

    BasicStroke stroke = new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    g.setStroke(stroke);
    List<Shape> drawn = new ArrayList<>();
    for (int r = 0; r < runs.size(); r++) {
      List<Double> losses = runs.get(r).losses();
      Path2D.Double line = new Path2D.Double();
      double x = 0;
      double y = 0;
      for (int s = 0; s < losses.size(); s++) {
        // Step s + 1, so that a run's first loss sits right of the origin.
        x = p.x + p.width * (s + 1) / xs.top();
        y = p.getMaxY() - p.height * losses.get(s) / ys.top();
        if (s == 0) {
          line.moveTo(x, y);
        } else {
          line.lineTo(x, y);
        }
      }
      g.setColor(colour(r));
      g.draw(line);
      // The end of every run is marked, which is all that shows of a single-step run.
      Ellipse2D.Double end = new Ellipse2D.Double(x - 4, y - 4, 8, 8);
      g.fill(end);
      drawn.add(stroke.createStrokedShape(line));
      drawn.add(end);
    }
    g.setStroke(new BasicStroke(1));
    drawLegend(g, runs, p, drawn);
  }

  /** The legend, in the corner of the plot where it covers the fewest of the {@code drawn} curves and dots. */
  private static void drawLegend(Graphics2D g, List<DemoRun> runs, Rectangle2D.Double p, List<Shape> drawn) {
    g.setFont(LABEL);
    FontMetrics fm = g.getFontMetrics();
    int widest = 0;
    for (DemoRun run : runs) {
      widest = Math.max(widest, fm.stringWidth(run.strategy()));
    }
    double rowHeight = 20;
    double width = 10 + 26 + 8 + widest + 10;
    double height = 8 + rowHeight * runs.size() + 4;
    double left = p.x + 8;
    double right = p.getMaxX() - width - 8;
    double top = p.y + 8;
    double bottom = p.getMaxY() - height - 8;
    // Falling losses usually leave top right or bottom left empty; the order breaks ties.
    List<Rectangle2D.Double> corners = List.of(new Rectangle2D.Double(right, top, width, height),
        new Rectangle2D.Double(left, bottom, width, height), new Rectangle2D.Double(left, top, width, height),
        new Rectangle2D.Double(right, bottom, width, height));
    Rectangle2D.Double box = corners.get(0);
    long fewest = Long.MAX_VALUE;
    for (Rectangle2D.Double corner : corners) {
      long covered = drawn.stream().filter(shape -> shape.intersects(corner)).count();
      if (covered < fewest) {
        fewest = covered;
        box = corner;
      }
    }
    g.setColor(new Color(255, 255, 255, 225));
    g.fill(box);
    g.setColor(GRID.darker());
    g.draw(box);
    for (int r = 0; r < runs.size(); r++) {
      double y = box.y + 8 + rowHeight * r + rowHeight / 2;
      g.setColor(colour(r));
      g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(new Line2D.Double(box.x + 10, y, box.x + 36, y));
      g.setStroke(new BasicStroke(1));
      g.setColor(TEXT);
      g.drawString(runs.get(r).strategy(), (float) (box.x + 44), (float) (y + fm.getAscent() / 2.0 - 2));
    }
  }

  private static void drawAccuracies(Graphics2D g, List<DemoRun> runs, double chanceAccuracy) {
    Rectangle2D.Double p = ACCURACY_PLOT;
    NiceScale ys = new NiceScale(BigDecimal.valueOf(20), 5);
    drawYAxis(g, p, ys, "%");
    vertical(g, "held-out accuracy", p.x - 58, p.getCenterY());
    centred(g, TITLE, "Held-out accuracy", p.getCenterX(), 35);

    double slot = p.width / runs.size();
    double barWidth = Math.min(slot * 0.6, 90);
    for (int r = 0; r < runs.size(); r++) {
      double centre = p.x + slot * (r + 0.5);
      double top = p.getMaxY() - p.height * runs.get(r).heldOutAccuracy();
      g.setColor(colour(r));
      g.fill(new Rectangle2D.Double(centre - barWidth / 2, top, barWidth, p.getMaxY() - top));
    }
    BarNames names = BarNames.fit(g, runs, LABEL, slot - 6);
    for (int r = 0; r < runs.size(); r++) {
      drawLines(g, names.font(), names.lines().get(r), p.x + slot * (r + 0.5), p.getMaxY() + 20);
    }

    // Over the bars, so that it shows which ones beat chance; under the values, so that those stay readable.
    double y = p.getMaxY() - p.height * chanceAccuracy;
    g.setColor(AXIS);
    g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {8, 6}, 0));
    g.draw(new Line2D.Double(p.x, y, p.getMaxX(), y));
    g.setStroke(new BasicStroke(1));
    g.setFont(TICK);
    g.setColor(TEXT);
    g.drawString("chance", (float) p.getMaxX() + 6, (float) y - 2);
    g.drawString(DemoTable.accuracy(chanceAccuracy), (float) p.getMaxX() + 6, (float) y + 12);

    for (int r = 0; r < runs.size(); r++) {
      double accuracy = runs.get(r).heldOutAccuracy();
      centred(g, VALUE, DemoTable.accuracy(accuracy), p.x + slot * (r + 0.5), p.getMaxY() - p.height * accuracy - 7);
    }
  }

  /** Grid lines, the two axis lines and the y tick labels, with {@code unit} after each label. */
  private static void drawYAxis(Graphics2D g, Rectangle2D.Double p, NiceScale ys, String unit) {
    g.setFont(TICK);
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i <= ys.steps(); i++) {
      double y = p.getMaxY() - p.height * i / ys.steps();
      g.setColor(GRID);
      g.draw(new Line2D.Double(p.x, y, p.getMaxX(), y));
      g.setColor(AXIS);
      g.draw(new Line2D.Double(p.x - 5, y, p.x, y));
      String label = ys.label(i) + unit;
      g.setColor(TEXT);
      g.drawString(label, (float) (p.x - 9 - fm.stringWidth(label)), (float) (y + fm.getAscent() / 2.0 - 1));
    }
    g.setColor(AXIS);
    g.draw(new Line2D.Double(p.x, p.y, p.x, p.getMaxY()));
    g.draw(new Line2D.Double(p.x, p.getMaxY(), p.getMaxX(), p.getMaxY()));
  }

  /** Draws {@code text} centred on {@code x} with its baseline at {@code y}. */
  private static void centred(Graphics2D g, Font font, String text, double x, double y) {
    g.setFont(font);
    g.setColor(TEXT);
    g.drawString(text, (float) (x - g.getFontMetrics().stringWidth(text) / 2.0), (float) y);
  }

  /** Draws {@code text} turned a quarter left, centred on ({@code x}, {@code y}). */
  private static void vertical(Graphics2D g, String text, double x, double y) {
    AffineTransform saved = g.getTransform();
    g.translate(x, y);
    g.rotate(-Math.PI / 2);
    centred(g, LABEL, text, 0, 0);
    g.setTransform(saved);
  }

  private static void drawLines(Graphics2D g, Font font, List<String> lines, double x, double y) {
    for (int i = 0; i < lines.size(); i++) {
      centred(g, font, lines.get(i), x, y + i * (font.getSize2D() + 3));
    }
  }
}
