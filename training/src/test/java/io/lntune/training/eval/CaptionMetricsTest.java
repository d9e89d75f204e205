package io.lntune.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CIDEr-D, BLEU and the PTB tokenisation on cases small enough to work out by hand (in the
 * comments).
 */
class CaptionMetricsTest {
  private static final double LOG2 = Math.log(2);

  @Test
  void ptbTokensAreLowerCasedWithCliticsSplitAndPunctuationDropped() {
    assertThat(PtbTokenizer.tokenize("A man's riding a horse, isn't he?"))
        .isEqualTo("a man 's riding a horse is n't he");
    assertThat(PtbTokenizer.tokenize("A black-and-white photo (1950s)... of 3.5 \"cats\"."))
        .isEqualTo("a black-and-white photo 1950s of 3.5 cats");
    assertThat(PtbTokenizer.tokenize("Two dogs -- playing; they're happy!"))
        .isEqualTo("two dogs playing they 're happy");
    assertThat(PtbTokenizer.tokens("...")).isEmpty();
  }

  @Test
  void withOneImageEveryNgramHasZeroWeight() {
    // idf = log(1 image) - log(df = 1) = 0: CIDEr-D needs several images to say anything
    assertThat(CiderD.score(Map.of(1, List.of("a b")), Map.of(1, "a b")).score()).isZero();
  }

  @Test
  void perfectCandidatesScoreTenTimesTheShareOfOrdersTheyHave() {
    // two images, disjoint words: idf log 2 everywhere; unigrams and bigrams match exactly (cosine
    // 1), there are
    // no 3- or 4-grams (0): mean over n = 2/4, times 10 = 5
    Map<Integer, List<String>> refs = Map.of(1, List.of("a b"), 2, List.of("c d"));
    CiderD.Result<Integer> r = CiderD.score(refs, Map.of(1, "a b", 2, "c d"));
    assertThat(r.perImage().get(1)).isCloseTo(5.0, within(1e-12));
    assertThat(r.score()).isCloseTo(5.0, within(1e-12));
  }

  @Test
  void candidateCountsAreClippedToTheReferenceAndLengthIsPenalised() {
    Map<Integer, List<String>> refs = Map.of(1, List.of("a b"), 2, List.of("c d"));
    CiderD.Result<Integer> r = CiderD.score(refs, Map.of(1, "a b a b", 2, "c d"));
    // image 1, weights in units of log 2. unigrams: candidate (a 2, b 2), reference (1, 1); clipped
    // dot product
    // min(2,1)*1 + min(2,1)*1 = 2; norms sqrt(8) and sqrt(2): 2/4 = 0.5 (unclipped it would be 1).
    // bigrams: candidate (a b 2, b a 1), reference (a b 1): min(2,1)*1 / (sqrt(5) * 1) = 1/sqrt(5).
    // 3- and 4-grams: not in the reference, 0. Length in bigrams 3 vs 1: penalty exp(-2^2 / (2 *
    // 36)).
    double image1 = 10 * (0.5 + 1 / Math.sqrt(5)) / 4 * Math.exp(-4.0 / 72);
    assertThat(r.perImage().get(1)).isCloseTo(image1, within(1e-12));
    assertThat(r.score()).isCloseTo((image1 + 5.0) / 2, within(1e-12));
  }

  @Test
  void unseenNgramsWeighFullyAndReferencesAreAveraged() {
    // image 1 has two references; "a" is in both but counts once in its document frequency
    Map<Integer, List<String>> refs = new LinkedHashMap<>();
    refs.put(1, List.of("a b", "a c"));
    refs.put(2, List.of("a d"));
    CiderD.Result<Integer> r = CiderD.score(refs, Map.of(1, "a b", 2, "e"));
    // df: a 2 (idf 0), b 1, c 1, d 1, bigrams 1 (idf log 2); unseen "e": max(1, 0) = 1, idf log 2
    // vs "a b": unigrams (0, log2) . (0, log2) / (log2 * log2) = 1; bigram 1; 3/4-grams 0 -> 2/4
    // vs "a c": unigrams b and c differ -> 0; bigrams differ -> 0
    double image1 = 10 * ((0.5 + 0.0) / 2);
    assertThat(r.perImage().get(1)).isCloseTo(image1, within(1e-12));
    // image 2: "e" shares nothing with "a d"; its length in bigrams is 0 vs 1, but 0 times anything
    // is 0
    assertThat(r.perImage().get(2)).isZero();
    assertThat(r.score()).isCloseTo(image1 / 2, within(1e-12));
    assertThat(LOG2).isPositive();
  }

  @Test
  void ciderNeedsReferencesForEveryImage() {
    assertThatThrownBy(() -> CiderD.score(Map.of(1, List.of("a")), Map.of(2, "a")))
        .hasMessageContaining("image 2");
  }

  @Test
  void bleuClipsCountsAndSumsOverTheCorpus() {
    Map<Integer, List<String>> refs = new LinkedHashMap<>();
    refs.put(1, List.of("the cat sat on the mat"));
    refs.put(2, List.of("a dog runs", "a dog runs in the park today"));
    Map<Integer, String> cands = new LinkedHashMap<>();
    cands.put(1, "the cat sat on the mat");
    cands.put(2, "a dog runs fast");
    // image 1 matches all: 6/6, 5/5, 4/4, 3/3; image 2: 3/4, 2/3, 1/2, 0/1. Totals 9/10, 7/8, 5/6,
    // 3/4.
    // lengths: candidates 10; references 6 + 3 (closest to 4 of 3 and 7): no brevity penalty
    double[] b = Bleu.score(refs, cands);
    assertThat(b[0]).isCloseTo(0.9, within(1e-8));
    assertThat(b[1]).isCloseTo(Math.sqrt(0.9 * 7 / 8), within(1e-8));
    assertThat(b[3]).isCloseTo(Math.pow(0.9 * 7 / 8 * 5 / 6 * 3 / 4, 0.25), within(1e-8));
  }

  @Test
  void bleuPenalisesShortCandidatesAndClipsRepeats() {
    // every n-gram matches, 4 words against 6: exp(1 - 6/4)
    double[] b =
        Bleu.score(Map.of(1, List.of("the cat sat on the mat")), Map.of(1, "the cat sat on"));
    assertThat(b[3]).isCloseTo(Math.exp(-0.5), within(1e-8));
    // references of 2 and 6 words are equally close to 4: the shorter counts, so no penalty
    double[] tie =
        Bleu.score(
            Map.of(1, List.of("the cat", "the cat sat on the mat")), Map.of(1, "the cat sat on"));
    assertThat(tie[3]).isCloseTo(1.0, within(1e-8));
    // "the" three times, at most twice in one reference: 2/3
    double[] clipped =
        Bleu.score(Map.of(1, List.of("the cat", "the the dog")), Map.of(1, "the the the"));
    assertThat(clipped[0]).isCloseTo(2.0 / 3, within(1e-8));
  }
}
