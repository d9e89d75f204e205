package io.lntune.tools.demo;

import java.util.List;
import java.util.Locale;

/** What the demo found for one of the paper's claims. */
enum Verdict {
  /** The demo's numbers support the claim beyond their noise. */
  AGREES,
  /** The demo's numbers contradict the claim beyond their noise. */
  DOES_NOT_AGREE,
  /** The demo's numbers cannot tell (a difference within its 95% interval, or a run missing). */
  INCONCLUSIVE;

  /**
   * {@return the verdict on "{@code better} answers more held-out questions than {@code worse}": by
   * the 95% interval of their difference (Newcombe's method, {@link Proportion#difference})}
   */
  static Verdict beats(Proportion better, Proportion worse) {
    Proportion.Interval d = better.difference(worse);
    if (!d.excludesZero()) {
      return INCONCLUSIVE;
    }
    return d.low() > 0 ? AGREES : DOES_NOT_AGREE;
  }

  /**
   * {@return the verdict on "the numerator is below the denominator", by the 95% interval of their
   * ratio: agrees when it lies below 1, does not when above}
   */
  static Verdict below(GeometricMean ratio) {
    if (ratio.high() < 1) {
      return AGREES;
    }
    return ratio.low() > 1 ? DOES_NOT_AGREE : INCONCLUSIVE;
  }

  /**
   * {@return the verdict on a claim made of {@code parts}, each a verdict: agrees when every part
   * agrees, does not when one does not, inconclusive otherwise (no parts included)}
   */
  static Verdict all(List<Verdict> parts) {
    if (parts.contains(DOES_NOT_AGREE)) {
      return DOES_NOT_AGREE;
    }
    return !parts.isEmpty() && parts.stream().allMatch(v -> v == AGREES) ? AGREES : INCONCLUSIVE;
  }

  /** {@return the verdict as the report prints it: "agrees", "does not agree", "inconclusive"} */
  String words() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
