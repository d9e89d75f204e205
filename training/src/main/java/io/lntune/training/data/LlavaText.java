package io.lntune.training.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The text edits LLaVA makes before a template renders a conversation, with Python's string
 * semantics ({@code str.strip()} removes Python's whitespace, which is not Java's: U+00A0 and
 * U+0085 count).
 *
 * <pre>{@code
 * LlavaText.moveImageToFront(turns, ImageMarkup.BARE);   // "What is this?\n<image>" becomes "<image>\nWhat is this?"
 * }</pre>
 */
public final class LlavaText {
  /** The placeholder that marks where the image goes in a human turn. */
  public static final String IMAGE = "<image>";

  private LlavaText() {}

  /**
   * LLaVA's {@code preprocess_multimodal}: every turn that mentions {@code <image>} loses it and
   * gets it back at the very front, followed by a newline; the turn is stripped; then the image is
   * written in {@code markup}.
   */
  public static List<Turn> moveImageToFront(List<Turn> turns, ImageMarkup markup) {
    List<Turn> out = new ArrayList<>(turns.size());
    for (Turn t : turns) {
      String v = t.value();
      if (v.contains(IMAGE)) {
        v = markup.wrap(strip(IMAGE + "\n" + strip(v.replace(IMAGE, ""))));
      }
      out.add(new Turn(t.from(), v));
    }
    return out;
  }

  /**
   * {@return {@code s} without leading and trailing whitespace as Python's {@code str.strip()} sees
   * it}
   */
  public static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isPythonSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isPythonSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  static boolean isPythonSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }
}
