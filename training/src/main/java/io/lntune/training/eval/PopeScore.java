package io.lntune.training.eval;

import java.util.Arrays;
import java.util.List;

/**
 * POPE's scores for one split, with LLaVA's answer parsing ({@code eval_pope.py}): only the text
 * before the first period counts, commas are removed, and the answer is "no" if a space-separated
 * word is {@code No}, {@code no} or {@code not}, otherwise "yes". "Yes" is the positive class.
 *
 * <pre>{@code
 * PopeScore s = PopeScore.of(List.of(true, false), List.of("Yes, there is.", "No."));
 * s.accuracy();   // 1.0
 * }</pre>
 *
 * @param accuracy (TP + TN) / all
 * @param precision TP / (TP + FP), 0 when nothing is predicted yes
 * @param recall TP / (TP + FN), 0 when no label is yes
 * @param f1 the harmonic mean of precision and recall, 0 when both are 0
 * @param yesRatio the share of answers parsed as yes
 * @param questions how many questions were scored
 */
public record PopeScore(
    double accuracy, double precision, double recall, double f1, double yesRatio, int questions) {

  /** {@return whether LLaVA's parsing reads {@code answer} as yes} */
  public static boolean parsesAsYes(String answer) {
    String text = answer;
    int period = text.indexOf('.');
    if (period >= 0) {
      text = text.substring(0, period);
    }
    List<String> words = Arrays.asList(text.replace(",", "").split(" ", -1));
    return !(words.contains("No") || words.contains("not") || words.contains("no"));
  }

  /**
   * @param labels whether each question's true answer is yes
   * @param answers the model's answers, in the same order
   * @throws IllegalArgumentException if the lists differ in length or are empty
   */
  public static PopeScore of(List<Boolean> labels, List<String> answers) {
    if (labels.size() != answers.size() || labels.isEmpty()) {
      throw new IllegalArgumentException(
          "POPE needs one answer per label and at least one, got "
              + labels.size()
              + " labels and "
              + answers.size()
              + " answers");
    }
    int tp = 0;
    int fp = 0;
    int tn = 0;
    int fn = 0;
    for (int i = 0; i < labels.size(); i++) {
      boolean yes = parsesAsYes(answers.get(i));
      if (yes) {
        if (labels.get(i)) {
          tp++;
        } else {
          fp++;
        }
      } else if (labels.get(i)) {
        fn++;
      } else {
        tn++;
      }
    }
    int n = labels.size();
    double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
    double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new PopeScore((double) (tp + tn) / n, precision, recall, f1, (double) (tp + fp) / n, n);
  }
}
