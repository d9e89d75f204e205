package io.lntune.tools.demo;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.util.ArrayList;
import java.util.List;

/**
 * The strategy names under the bars of the accuracy panel, all in one font: the largest that lets every name fit its
 * slot on one line, or on two lines broken near the middle; past the smallest size, cut with an ellipsis.
 *
 * @param font the font of every name
 * @param lines each run's name as one or two lines
 */
record BarNames(Font font, List<List<String>> lines) {
  private static final float SMALLEST = 11;

  static BarNames fit(Graphics2D g, List<DemoRun> runs, Font largest, double width) {
    for (float size = largest.getSize2D(); size >= SMALLEST; size--) {
      Font font = largest.deriveFont(size);
      List<List<String>> lines = new ArrayList<>();
      for (DemoRun run : runs) {
        List<String> laid = layout(g.getFontMetrics(font), run.strategy(), width);
        if (laid == null) {
          break;
        }
        lines.add(laid);
      }
      if (lines.size() == runs.size()) {
        return new BarNames(font, lines);
      }
    }
    Font smallest = largest.deriveFont(SMALLEST);
    FontMetrics fm = g.getFontMetrics(smallest);
    List<List<String>> lines = new ArrayList<>();
    for (DemoRun run : runs) {
      List<String> laid = layout(fm, run.strategy(), width);
      lines.add(laid != null ? laid : ellipsized(fm, split(run.strategy()), width));
    }
    return new BarNames(smallest, lines);
  }

  /** {@return {@code text} on one line or else two that fit {@code width}, or null if neither does} */
  private static List<String> layout(FontMetrics fm, String text, double width) {
    if (fm.stringWidth(text) <= width) {
      return List.of(text);
    }
    List<String> two = split(text);
    return two.stream().allMatch(line -> fm.stringWidth(line) <= width) ? two : null;
  }

  /** {@return {@code text} broken after the space, underscore, hyphen or comma closest to its middle, if any} */
  static List<String> split(String text) {
    int best = -1;
    double middle = text.length() / 2.0;
    for (int i = 1; i < text.length() - 1; i++) {
      char c = text.charAt(i);
      boolean breakable = c == ' ' || c == '_' || c == '-' || c == ',';
      if (breakable && (best < 0 || Math.abs(i + 1 - middle) < Math.abs(best - middle))) {
        best = i + 1;
      }
    }
    return best < 0 ? List.of(text) : List.of(text.substring(0, best).strip(), text.substring(best).strip());
  }

  private static List<String> ellipsized(FontMetrics fm, List<String> lines, double width) {
    List<String> cut = new ArrayList<>();
    for (String line : lines) {
      String shown = line;
      while (shown.length() > 1 && fm.stringWidth(shown) > width) {
        shown = line.substring(0, shown.length() - 2) + "\u2026";
      }
      cut.add(shown);
    }
    return cut;
  }
}
