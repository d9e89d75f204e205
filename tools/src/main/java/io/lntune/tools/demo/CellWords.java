package io.lntune.tools.demo;

import io.lntune.training.synth.Scene;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A picture of the synthetic world written as nine words, one per cell in reading order ({@code
 * empty}, {@code redcircle}, ...): the same shape the picture has for the model, nine patch tokens.
 * The tiny LLaMA learns to answer questions about scenes written this way; stage 1 then only has to
 * teach the connector to turn each cell's patch into its word, which a connector can do one token
 * at a time.
 */
final class CellWords {
  static final String EMPTY = "empty";

  private CellWords() {}

  /** {@return every word a cell can be} */
  static List<String> vocabulary() {
    List<String> out = new ArrayList<>(List.of(EMPTY));
    for (Scene.Colour c : Scene.Colour.values()) {
      for (Scene.Shape s : Scene.Shape.values()) {
        out.add(word(c.word(), s.name().toLowerCase(Locale.ROOT)));
      }
    }
    return out;
  }

  /**
   * {@return the nine cell words of the scene a caption describes} Captions read "a red circle at
   * the top left and a blue star at the center."
   *
   * @throws IllegalArgumentException for a caption that is not of this form
   */
  static String of(String caption) {
    String[] cells = new String[9];
    Arrays.fill(cells, EMPTY);
    String body = caption.endsWith(".") ? caption.substring(0, caption.length() - 1) : caption;
    for (String part : body.split(" and ")) {
      String[] w = part.split(" ");
      if (w.length < 5 || !w[0].equals("a") || !w[3].equals("at")) {
        throw new IllegalArgumentException("not a synthetic-world caption: '" + caption + "'");
      }
      String place = String.join(" ", Arrays.copyOfRange(w, 5, w.length));
      int cell = AnswerAccuracy.PLACES.indexOf(place);
      if (cell < 0) {
        throw new IllegalArgumentException("unknown place '" + place + "' in '" + caption + "'");
      }
      cells[cell] = word(w[1], w[2]);
    }
    return String.join(" ", cells);
  }

  private static String word(String colour, String shape) {
    return colour + shape;
  }
}
