package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TemplateTest {
  private static final Tokenizer TOK = TemplateGoldenTest.LLAMA.withPadToken("<unk>");
  private static final ConversationTemplate V1 = ConversationTemplate.forName("vicuna_v1");

  private static LlavaSample sample(String image, Turn... turns) {
    return new LlavaSample("s1", Optional.ofNullable(image), List.of(turns), Map.of());
  }

  @Test
  void onlyRepliesAndTheirEosAreSupervised() {
    TokenizedConversation t =
        V1.tokenize(
            sample("a.png", new Turn("human", "<image>\nHi"), new Turn("gpt", "Hello there")),
            TOK,
            ImageMarkup.BARE);
    int[] reply = TOK.encode("Hello there");
    int n = t.labels().length;
    assertThat(java.util.Arrays.copyOfRange(t.labels(), n - reply.length - 1, n))
        .containsExactly(
            java.util.stream.IntStream.concat(
                    java.util.Arrays.stream(reply), java.util.stream.IntStream.of(2))
                .toArray());
    assertThat(t.supervisedCount()).isEqualTo(reply.length + 1);
  }

  @Test
  void vicunaWordsAreWhatItsRenderingAddsAroundTheTurns() {
    assertThat(TwoSeparatorTemplate.vicunaV1().words())
        .isEqualTo(
            "A chat between a curious user and an artificial "
                + "intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions. "
                + "USER: ASSISTANT:");
    assertThat(V1.render(List.of(new Turn("human", "Hi"), new Turn("gpt", "Yo"))))
        .isEqualTo(
            TwoSeparatorTemplate.vicunaV1()
                .words()
                .replace("USER: ", "USER: Hi ")
                .replace("ASSISTANT:", "ASSISTANT: Yo</s>"));
  }

  @Test
  void emptyRepliesAreBadRows() {
    assertThatThrownBy(
            () ->
                V1.tokenize(
                    sample(null, new Turn("human", "Hi"), new Turn("gpt", "  ")),
                    TOK,
                    ImageMarkup.BARE))
        .isInstanceOfSatisfying(
            SampleException.class, e -> assertThat(e.problem()).isEqualTo(BadRow.EMPTY_REPLY))
        .hasMessage("sample s1: empty reply: turn 1 (gpt) is empty");
  }

  @Test
  void turnsMustAlternate() {
    assertThatThrownBy(
            () ->
                V1.tokenize(
                    sample(
                        null,
                        new Turn("human", "Hi"),
                        new Turn("human", "Again"),
                        new Turn("gpt", "Yes")),
                    TOK,
                    ImageMarkup.BARE))
        .isInstanceOf(SampleException.class)
        .hasMessage(
            "sample s1: malformed conversation: turns must alternate human, gpt: turn 1 is from human");
  }

  @Test
  void unknownSpeakersAndMissingRepliesAreBadRows() {
    assertThatThrownBy(
            () ->
                V1.tokenize(
                    sample(null, new Turn("system", "x"), new Turn("gpt", "y")),
                    TOK,
                    ImageMarkup.BARE))
        .hasMessage(
            "sample s1: malformed conversation: turn 0 is from 'system', expected human or gpt");
    assertThatThrownBy(
            () -> V1.tokenize(sample(null, new Turn("human", "x")), TOK, ImageMarkup.BARE))
        .hasMessage("sample s1: malformed conversation: no reply from gpt");
  }

  @Test
  void plainNeedsAnImage() {
    assertThatThrownBy(
            () ->
                new PlainTemplate()
                    .tokenize(
                        sample(null, new Turn("human", "x"), new Turn("gpt", "y")),
                        TOK,
                        ImageMarkup.BARE))
        .hasMessage("sample s1: malformed conversation: the plain template needs an image");
  }

  @Test
  void unknownTemplateNamesAreRefused() {
    assertThatThrownBy(() -> ConversationTemplate.forName("mpt"))
        .hasMessage(
            "unknown conversation template 'mpt': expected plain, vicuna_v1 (v1), llava_v1, llama_2, "
                + "llava_llama_2 or v0");
  }

  @Test
  void truncationCountsTheImageAsItsFeatureRows() {
    TokenizedConversation t =
        V1.tokenize(
            sample(
                "a.png",
                new Turn("human", "<image>\nHi"),
                new Turn("gpt", "Hello there, how are you today?")),
            TOK,
            ImageMarkup.BARE);
    assertThat(t.expandedLength(576)).isEqualTo(t.inputIds().length + 575);
    TokenizedConversation cut = t.truncate(t.expandedLength(576) - 3, 576);
    assertThat(cut.inputIds()).hasSize(t.inputIds().length - 3);
    assertThat(cut.labels())
        .containsExactly(java.util.Arrays.copyOf(t.labels(), t.labels().length - 3));
    assertThat(t.truncate(t.expandedLength(576), 576)).isSameAs(t);
    assertThatThrownBy(() -> t.truncate(100, 576))
        .isInstanceOfSatisfying(
            SampleException.class, e -> assertThat(e.problem()).isEqualTo(BadRow.TOO_LONG))
        .hasMessageContaining("past the maximum length 100");
  }

  @Test
  void imageIsMovedToTheFrontOfItsTurnWithPythonStrip() {
    List<Turn> moved =
        LlavaText.moveImageToFront(
            List.of(new Turn("human", "\u00a0Look <image> here\u00a0")), ImageMarkup.BARE);
    assertThat(moved.get(0).value()).isEqualTo("<image>\nLook  here");
  }
}
