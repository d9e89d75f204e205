package io.lntune.training.synth;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Draws a {@link Scene} on a white square with java.awt (headless): each shape fills most of its
 * grid cell.
 *
 * <pre>{@code
 * BufferedImage img = SceneRenderer.render(scene, 64);
 * ImageIO.write(img, "png", file);
 * }</pre>
 */
public final class SceneRenderer {
  private SceneRenderer() {}

  /** {@return the picture of {@code scene}, {@code size} pixels square} */
  public static BufferedImage render(Scene scene, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, size, size);
      double cell = size / 3.0;
      for (Scene.Thing t : scene.objects()) {
        g.setColor(t.colour().rgb);
        int pad = (int) Math.round(cell * 0.15);
        int x = (int) Math.round(t.cell() % 3 * cell) + pad;
        int y = (int) Math.round(t.cell() / 3 * cell) + pad;
        int w = (int) Math.round(cell) - 2 * pad;
        switch (t.shape()) {
          case CIRCLE -> g.fillOval(x, y, w, w);
          case SQUARE -> g.fillRect(x, y, w, w);
          case TRIANGLE ->
              g.fillPolygon(new int[] {x + w / 2, x, x + w}, new int[] {y, y + w, y + w}, 3);
          case STAR -> g.fillPolygon(star(x + w / 2.0, y + w / 2.0, w / 2.0));
        }
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  private static Polygon star(double cx, double cy, double r) {
    Polygon p = new Polygon();
    for (int i = 0; i < 10; i++) {
      double radius = i % 2 == 0 ? r : r * 0.45;
      double angle = Math.PI / 5 * i - Math.PI / 2;
      p.addPoint(
          (int) Math.round(cx + radius * Math.cos(angle)),
          (int) Math.round(cy + radius * Math.sin(angle)));
    }
    return p;
  }
}
