package io.lntune.training.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU (Papineni et al., 2002) as the COCO caption evaluation computes it ({@code
 * pycocoevalcap}'s {@code BleuScorer} with its "closest" reference length): n-gram precisions
 * summed over the corpus, each candidate n-gram count clipped to its largest count in any one
 * reference; a brevity penalty {@code exp(1 - r / c)} when the candidates' total length c is below
 * r, the sum over images of the reference length closest to each candidate's (the shorter on a
 * tie). As in the original, 1e-15 is added to every matched count and 1e-9 to every candidate
 * count, so a precision of zero gives a tiny BLEU rather than a division by zero.
 *
 * <pre>{@code
 * double[] b = Bleu.score(Map.of(1, List.of("the cat sat on the mat")), Map.of(1, "the cat sat on"));
 * b[3];   // BLEU-4: every precision is 1, the brevity penalty exp(1 - 6/4) = 0.607
 * }</pre>
 */
public final class Bleu {
  private static final double TINY = 1e-15;
  private static final double SMALL = 1e-9;

  private Bleu() {}

  /**
   * {@return BLEU-1 to BLEU-4 of the candidates (one per image, tokenised) against each image's
   * references}
   *
   * @throws IllegalArgumentException if an image has no references
   */
  public static <K> double[] score(Map<K, List<String>> references, Map<K, String> candidates) {
    long[] guess = new long[CiderD.N];
    long[] correct = new long[CiderD.N];
    long testLength = 0;
    long refLength = 0;
    for (Map.Entry<K, String> e : candidates.entrySet()) {
      List<String> refs = references.get(e.getKey());
      if (refs == null || refs.isEmpty()) {
        throw new IllegalArgumentException(
            "image " + e.getKey() + " has a candidate but no reference captions");
      }
      Map<List<String>, Integer> maxCounts = new HashMap<>();
      int length = words(e.getValue());
      int closest = -1;
      for (String r : refs) {
        CiderD.ngrams(r).forEach((g, c) -> maxCounts.merge(g, c, Math::max));
        int l = words(r);
        if (closest < 0
            || Math.abs(l - length) < Math.abs(closest - length)
            || (Math.abs(l - length) == Math.abs(closest - length) && l < closest)) {
          closest = l;
        }
      }
      testLength += length;
      refLength += closest;
      for (int k = 0; k < CiderD.N; k++) {
        guess[k] += Math.max(0, length - k);
      }
      CiderD.ngrams(e.getValue())
          .forEach((g, c) -> correct[g.size() - 1] += Math.min(c, maxCounts.getOrDefault(g, 0)));
    }
    double[] bleus = new double[CiderD.N];
    double product = 1;
    for (int k = 0; k < CiderD.N; k++) {
      product *= (correct[k] + TINY) / (guess[k] + SMALL);
      bleus[k] = Math.pow(product, 1.0 / (k + 1));
    }
    double ratio = (testLength + TINY) / (refLength + SMALL);
    if (ratio < 1) {
      for (int k = 0; k < CiderD.N; k++) {
        bleus[k] *= Math.exp(1 - 1 / ratio);
      }
    }
    return bleus;
  }

  private static int words(String caption) {
    return caption.isBlank() ? 0 : caption.strip().split("\\s+").length;
  }
}
