package io.lntune.training.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MME's score of one subtask, as its official {@code eval_tool/calculation.py} computes it: answers
 * are lower-cased and read as "yes" or "no" when they are exactly that, else by which of the two
 * their first four characters contain ("other" if neither, always wrong). Accuracy is over
 * questions; accuracy+ is the share of images whose questions (two per image in MME) are all right;
 * the subtask's score is {@code 100 * (acc + acc+)}, at most 200. Perception and cognition totals
 * sum their subtasks' scores.
 *
 * <pre>{@code
 * MmeScore s = MmeScore.of(List.of(new MmeScore.Item("a.jpg", "yes", "Yes"), new MmeScore.Item("a.jpg", "no", "yes")));
 * s.accuracy();   // 0.5; s.accuracyPlus() == 0
 * }</pre>
 *
 * @param accuracy the share of questions answered right
 * @param accuracyPlus the share of images with every question right
 * @param questions how many questions
 * @param images how many images
 */
public record MmeScore(double accuracy, double accuracyPlus, int questions, int images) {
  /** The subtasks the official tool sums as perception. */
  public static final List<String> PERCEPTION =
      List.of(
          "existence",
          "count",
          "position",
          "color",
          "posters",
          "celebrity",
          "scene",
          "landmark",
          "artwork",
          "OCR");

  /** The subtasks the official tool sums as cognition. */
  public static final List<String> COGNITION =
      List.of(
          "commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning");

  /**
   * One answered question.
   *
   * @param image the image it is about
   * @param truth "yes" or "no"
   * @param answer the model's answer
   */
  public record Item(String image, String truth, String answer) {}

  /** {@return 100 * (accuracy + accuracy+)} */
  public double score() {
    return 100 * (accuracy + accuracyPlus);
  }

  /** {@return "yes", "no" or "other", as the official tool reads {@code answer}} */
  public static String parse(String answer) {
    String a = answer.toLowerCase(Locale.ROOT);
    if (a.equals("yes") || a.equals("no")) {
      return a;
    }
    String prefix = a.substring(0, Math.min(4, a.length()));
    return prefix.contains("yes") ? "yes" : prefix.contains("no") ? "no" : "other";
  }

  /**
   * @throws IllegalArgumentException if there are no items or a truth is not yes or no
   */
  public static MmeScore of(List<Item> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("an MME subtask needs at least one question");
    }
    int right = 0;
    Map<String, Boolean> imageRight = new LinkedHashMap<>();
    for (Item it : items) {
      String truth = it.truth().toLowerCase(Locale.ROOT);
      if (!truth.equals("yes") && !truth.equals("no")) {
        throw new IllegalArgumentException(
            "MME answer for " + it.image() + " must be yes or no, got '" + it.truth() + "'");
      }
      boolean ok = parse(it.answer()).equals(truth);
      right += ok ? 1 : 0;
      imageRight.merge(it.image(), ok, Boolean::logicalAnd);
    }
    long plus = imageRight.values().stream().filter(b -> b).count();
    return new MmeScore(
        (double) right / items.size(),
        (double) plus / imageRight.size(),
        items.size(),
        imageRight.size());
  }
}
