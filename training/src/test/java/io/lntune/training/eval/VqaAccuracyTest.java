package io.lntune.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class VqaAccuracyTest {
  private static List<String> humans(String answer, int times, String other) {
    List<String> out = new ArrayList<>(Collections.nCopies(times, answer));
    out.addAll(Collections.nCopies(10 - times, other));
    return out;
  }

  @Test
  void normalisationFollowsTheOfficialRules() {
    assertThat(VqaAccuracy.normalize("Two dogs.")).isEqualTo("2 dogs");
    assertThat(VqaAccuracy.normalize("  The  Red\tball\n")).isEqualTo("red ball");
    assertThat(VqaAccuracy.normalize("none")).isEqualTo("0");
    assertThat(VqaAccuracy.normalize("an apple")).isEqualTo("apple");
    assertThat(VqaAccuracy.normalize("dont")).isEqualTo("don't");
    assertThat(VqaAccuracy.normalize("Isnt it")).isEqualTo("isn't it");
    assertThat(VqaAccuracy.normalize("Ive"))
        .as("capitalised keys never match after lower-casing")
        .isEqualTo("ive");
    assertThat(VqaAccuracy.normalize("eleven"))
        .as("only zero to ten become digits")
        .isEqualTo("eleven");
  }

  @Test
  void punctuationVanishesNextToSpacesAndOtherwiseSplitsWords() {
    assertThat(VqaAccuracy.normalize("black-and-white")).isEqualTo("black and white");
    assertThat(VqaAccuracy.normalize("black - white")).isEqualTo("black white");
    assertThat(VqaAccuracy.normalize("yes!")).isEqualTo("yes");
    assertThat(VqaAccuracy.normalize("left, right")).isEqualTo("left right");
    assertThat(VqaAccuracy.normalize("red,blue"))
        .as("no space next to it: a space")
        .isEqualTo("red blue");
    // a digit-comma-digit anywhere removes every punctuation mark instead of splitting on it
    assertThat(VqaAccuracy.normalize("1,000")).isEqualTo("1000");
    assertThat(VqaAccuracy.normalize("1,000 red-ish")).isEqualTo("1000 redish");
  }

  @Test
  void periodsGoUnlessADigitFollows() {
    assertThat(VqaAccuracy.normalize("3.5")).isEqualTo("3.5");
    assertThat(VqaAccuracy.normalize("e.g.")).isEqualTo("eg");
    assertThat(VqaAccuracy.normalize(".5 pm.")).isEqualTo(".5 pm");
    // the official code passes re.UNICODE (32) as re.sub's count: the 33rd period stays
    assertThat(VqaAccuracy.normalize("a" + ".".repeat(33) + "b")).isEqualTo("a.b");
  }

  @Test
  void accuracyIsTheMeanOverLeaveOneOutRounds() {
    // 4 or more humans agree: every round still has 3 matches
    assertThat(VqaAccuracy.of("2", humans("2", 4, "3"))).isEqualTo(1.0);
    // 3 agree: their 3 rounds see 2 matches (2/3), the other 7 see 3 (1): (3 * 2/3 + 7) / 10 = 0.9
    assertThat(VqaAccuracy.of("2", humans("2", 3, "3"))).isCloseTo(0.9, within(1e-12));
    // 2 agree: (2 * 1/3 + 8 * 2/3) / 10 = 0.6
    assertThat(VqaAccuracy.of("2", humans("2", 2, "3"))).isCloseTo(0.6, within(1e-12));
    // 1 agrees: (0 + 9 * 1/3) / 10 = 0.3
    assertThat(VqaAccuracy.of("2", humans("2", 1, "3"))).isCloseTo(0.3, within(1e-12));
    assertThat(VqaAccuracy.of("4", humans("2", 1, "3"))).isZero();
  }

  @Test
  void theAnswerIsNormalisedButUnanimousHumanAnswersAreNot() {
    assertThat(VqaAccuracy.of("Two.", humans("2", 3, "3"))).isCloseTo(0.9, within(1e-12));
    assertThat(VqaAccuracy.of("Yes", Collections.nCopies(10, "yes"))).isEqualTo(1.0);
    // humans differ: their punctuation goes too (but not their articles), so "t-shirt" matches "t
    // shirt"
    assertThat(VqaAccuracy.of("t shirt", humans("t-shirt", 3, "shirt")))
        .isCloseTo(0.9, within(1e-12));
    // humans agree: compared as written, so a normalised answer cannot match "t-shirt"
    assertThat(VqaAccuracy.of("t-shirt", Collections.nCopies(10, "t-shirt"))).isZero();
  }
}
