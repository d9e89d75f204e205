package io.lntune.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class YesNoMetricsTest {
  @Test
  void popeParsesTheFirstSentenceAsLlavaDoes() {
    assertThat(PopeScore.parsesAsYes("Yes, there is a dog.")).isTrue();
    assertThat(PopeScore.parsesAsYes("No, there is no dog.")).isFalse();
    assertThat(PopeScore.parsesAsYes("There is not a dog in the image")).isFalse();
    assertThat(PopeScore.parsesAsYes("Yes. There is no cat."))
        .as("only the first sentence")
        .isTrue();
    assertThat(PopeScore.parsesAsYes("NO")).as("only No, no and not count").isTrue();
    assertThat(PopeScore.parsesAsYes("No.")).isFalse();
    assertThat(PopeScore.parsesAsYes("Nope")).isTrue();
    assertThat(PopeScore.parsesAsYes("no,")).isFalse();
  }

  @Test
  void popeScoresFromTheConfusionMatrix() {
    // labels yes yes yes no no; answers yes yes no yes no: TP 2, FN 1, FP 1, TN 1
    PopeScore s =
        PopeScore.of(
            List.of(true, true, true, false, false), List.of("Yes", "yes.", "No", "Yes", "no"));
    assertThat(s.accuracy()).isCloseTo(3.0 / 5, within(1e-12));
    assertThat(s.precision()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(s.recall()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(s.f1()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(s.yesRatio()).isCloseTo(3.0 / 5, within(1e-12));
    PopeScore allNo = PopeScore.of(List.of(true, false), List.of("no", "no"));
    assertThat(allNo.precision()).isZero();
    assertThat(allNo.f1()).isZero();
    assertThat(allNo.accuracy()).isEqualTo(0.5);
  }

  @Test
  void mmeReadsTheFirstFourCharacters() {
    assertThat(MmeScore.parse("Yes")).isEqualTo("yes");
    assertThat(MmeScore.parse("Yes, it is.")).isEqualTo("yes");
    assertThat(MmeScore.parse("No.")).isEqualTo("no");
    assertThat(MmeScore.parse("I think yes")).isEqualTo("other");
    assertThat(MmeScore.parse("none")).as("\"no\" is in \"none\"").isEqualTo("no");
    assertThat(MmeScore.parse("")).isEqualTo("other");
  }

  @Test
  void mmeAccuracyPlusNeedsBothQuestionsOfAnImage() {
    // image a: both right; image b: one right; image c: none right -> acc 3/6, acc+ 1/3, score 100
    // * (0.5 + 1/3)
    MmeScore s =
        MmeScore.of(
            List.of(
                new MmeScore.Item("a", "yes", "Yes"),
                new MmeScore.Item("a", "no", "no"),
                new MmeScore.Item("b", "yes", "yes"),
                new MmeScore.Item("b", "no", "yes"),
                new MmeScore.Item("c", "Yes", "maybe"),
                new MmeScore.Item("c", "no", "Yes")));
    assertThat(s.accuracy()).isCloseTo(0.5, within(1e-12));
    assertThat(s.accuracyPlus()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(s.score()).isCloseTo(100 * (0.5 + 1.0 / 3), within(1e-9));
    assertThat(s.images()).isEqualTo(3);
  }
}
