package io.lntune.training.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D (Vedantam et al., 2015) as the COCO caption evaluation computes it ({@code
 * pycocoevalcap}'s {@code CiderScorer}): captions are already tokenised ({@link PtbTokenizer}). For
 * n = 1..4 each caption is a vector of n-gram counts weighted by {@code log(images) - log(max(1,
 * df))}, where {@code df} is the number of evaluated images whose references contain the n-gram
 * (document frequencies come from the references of the images scored together). A candidate's
 * similarity to a reference is the dot product with the candidate's weights clipped to the
 * reference's, divided by both (unclipped) norms, times the length penalty {@code exp(-delta^2 / (2
 * * 6^2))}, where delta is the difference of the two captions' lengths (counted, as the original
 * does, in bigrams). The image's score is the mean over n and over its references, times 10;
 * CIDEr-D is the mean over images.
 *
 * <pre>{@code
 * CiderD.Result r = CiderD.score(Map.of(1, List.of("a red circle"), 2, List.of("a blue star")),
 *     Map.of(1, "a red circle", 2, "a blue square"));
 * r.score();   // mean over images; r.perImage().get(1) is image 1's
 * }</pre>
 */
public final class CiderD {
  static final int N = 4;
  static final double SIGMA = 6.0;

  private CiderD() {}

  /**
   * @param score the corpus CIDEr-D (mean of the images' scores)
   * @param perImage each image's score
   */
  public record Result<K>(double score, Map<K, Double> perImage) {}

  /**
   * Scores one candidate per image against that image's references (both tokenised, words separated
   * by spaces).
   *
   * @throws IllegalArgumentException if an image has no references or no candidate, or there are no
   *     images
   */
  public static <K> Result<K> score(Map<K, List<String>> references, Map<K, String> candidates) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("CIDEr-D needs at least one image");
    }
    Map<List<String>, Integer> df = new HashMap<>();
    Map<K, List<Map<List<String>, Integer>>> refCounts = new HashMap<>();
    for (K image : candidates.keySet()) {
      List<String> refs = references.get(image);
      if (refs == null || refs.isEmpty()) {
        throw new IllegalArgumentException(
            "image " + image + " has a candidate but no reference captions");
      }
      List<Map<List<String>, Integer>> counts = new ArrayList<>();
      Set<List<String>> seen = new HashSet<>();
      for (String r : refs) {
        Map<List<String>, Integer> c = ngrams(r);
        counts.add(c);
        seen.addAll(c.keySet());
      }
      seen.forEach(g -> df.merge(g, 1, Integer::sum));
      refCounts.put(image, counts);
    }
    double refLen = Math.log(candidates.size());
    Map<K, Double> perImage = new LinkedHashMap<>();
    double total = 0;
    for (Map.Entry<K, String> e : candidates.entrySet()) {
      Vector cand = new Vector(ngrams(e.getValue()), df, refLen);
      double[] sum = new double[N];
      List<Map<List<String>, Integer>> refs = refCounts.get(e.getKey());
      for (Map<List<String>, Integer> r : refs) {
        double[] s = cand.similarity(new Vector(r, df, refLen));
        for (int n = 0; n < N; n++) {
          sum[n] += s[n];
        }
      }
      double mean = 0;
      for (double s : sum) {
        mean += s / N;
      }
      double image = mean / refs.size() * 10.0;
      perImage.put(e.getKey(), image);
      total += image;
    }
    return new Result<>(total / candidates.size(), perImage);
  }

  /** {@return the counts of every 1- to 4-gram of a tokenised caption} */
  static Map<List<String>, Integer> ngrams(String caption) {
    String[] words = caption.isBlank() ? new String[0] : caption.strip().split("\\s+");
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int k = 1; k <= N; k++) {
      for (int i = 0; i + k <= words.length; i++) {
        counts.merge(List.of(Arrays.copyOfRange(words, i, i + k)), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** A caption's tf-idf weights per n-gram order, their norms, and its length in bigrams. */
  private static final class Vector {
    final List<Map<List<String>, Double>> weights = new ArrayList<>();
    final double[] norm = new double[N];
    final int length;

    Vector(Map<List<String>, Integer> counts, Map<List<String>, Integer> df, double refLen) {
      for (int n = 0; n < N; n++) {
        weights.add(new HashMap<>());
      }
      int bigrams = 0;
      for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
        int n = e.getKey().size() - 1;
        double w =
            e.getValue() * (refLen - Math.log(Math.max(1.0, df.getOrDefault(e.getKey(), 0))));
        weights.get(n).put(e.getKey(), w);
        norm[n] += w * w;
        if (n == 1) {
          bigrams += e.getValue();
        }
      }
      for (int n = 0; n < N; n++) {
        norm[n] = Math.sqrt(norm[n]);
      }
      length = bigrams;
    }

    double[] similarity(Vector ref) {
      double delta = length - ref.length;
      double[] val = new double[N];
      for (int n = 0; n < N; n++) {
        Map<List<String>, Double> r = ref.weights.get(n);
        for (Map.Entry<List<String>, Double> e : weights.get(n).entrySet()) {
          double rw = r.getOrDefault(e.getKey(), 0.0);
          val[n] +=
              Math.min(e.getValue(), rw) * rw; // the candidate's weight clipped to the reference's
        }
        if (norm[n] != 0 && ref.norm[n] != 0) {
          val[n] /= norm[n] * ref.norm[n];
        }
        val[n] *= Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
      }
      return val;
    }
  }
}
