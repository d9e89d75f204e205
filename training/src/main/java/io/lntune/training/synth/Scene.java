package io.lntune.training.synth;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * One picture of the synthetic world: a few shapes, each with a colour and a distinct cell of a 3 x
 * 3 grid.
 *
 * <pre>{@code
 * Scene s = Scene.random(new Random(7));
 * s.objects();   // e.g. [Thing[shape=CIRCLE, colour=RED, cell=0], Thing[shape=SQUARE, colour=BLUE, cell=8]]
 * }</pre>
 *
 * @param objects the shapes, in cell order
 */
public record Scene(List<Thing> objects) {
  /** The shapes the world draws. */
  public enum Shape {
    CIRCLE,
    SQUARE,
    TRIANGLE,
    STAR
  }

  /** The colours the world paints with, and their RGB values. */
  public enum Colour {
    RED(220, 40, 40),
    GREEN(40, 170, 60),
    BLUE(40, 80, 220),
    YELLOW(235, 200, 30),
    PURPLE(140, 60, 180),
    ORANGE(240, 130, 20);

    final Color rgb;

    Colour(int r, int g, int b) {
      this.rgb = new Color(r, g, b);
    }

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A shape in the picture.
   *
   * @param shape what it is
   * @param colour its colour
   * @param cell its grid cell, 0..8 row by row from the top left
   */
  public record Thing(Shape shape, Colour colour, int cell) {
    private static final String[] ROWS = {"top", "middle", "bottom"};
    private static final String[] COLS = {"left", "center", "right"};

    /** {@return where it is, in words: "top left", "center", "bottom right", ...} */
    public String where() {
      return cell == 4 ? "center" : ROWS[cell / 3] + " " + COLS[cell % 3];
    }

    /** {@return "red circle"} */
    public String name() {
      return colour.word() + " " + shape.name().toLowerCase(Locale.ROOT);
    }
  }

  public Scene {
    objects = List.copyOf(objects);
  }

  /** {@return a scene of 1 to 4 shapes in distinct cells, drawn from {@code random}} */
  public static Scene random(Random random) {
    int n = 1 + random.nextInt(4);
    int[] cells = IntStream.range(0, 9).toArray();
    for (int i = 8; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = cells[i];
      cells[i] = cells[j];
      cells[j] = t;
    }
    int[] chosen = Arrays.copyOf(cells, n);
    Arrays.sort(chosen);
    List<Thing> things = new ArrayList<>();
    for (int cell : chosen) {
      things.add(
          new Thing(
              Shape.values()[random.nextInt(Shape.values().length)],
              Colour.values()[random.nextInt(Colour.values().length)],
              cell));
    }
    return new Scene(things);
  }
}
