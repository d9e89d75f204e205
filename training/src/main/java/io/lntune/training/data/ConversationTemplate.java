package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.List;

/**
 * A LLaVA conversation template: the exact prompt text of LLaVA's {@code conversation.py} and the
 * label masking of its {@code preprocess_*} functions, so that only the assistant's replies (and
 * their end-of-sequence tokens) are supervised. Where LLaVA's length arithmetic disagrees with the
 * tokenized prompt and LLaVA silently masks the whole sample, lntune throws a {@link
 * SampleException} naming the sample.
 *
 * <pre>{@code
 * ConversationTemplate t = ConversationTemplate.forName("vicuna_v1");
 * Tokenizer tok = LlavaVocabulary.forTraining(model, Tokenizer.load(dir), t);   // pad token, added tokens
 * TokenizedConversation ids = t.tokenize(sample, tok, ImageMarkup.of(model.config()));
 * }</pre>
 *
 * <p>Templates: {@code plain} (stage 1: image then caption), {@code vicuna_v1} (alias {@code v1}),
 * {@code llava_v1}, {@code llama_2}, {@code llava_llama_2} and {@code v0}. Implementations are
 * immutable and thread-safe.
 */
public sealed interface ConversationTemplate
    permits PlainTemplate, TwoSeparatorTemplate, Llama2Template, V0Template {

  /** {@return the template's name as LLaVA's {@code --version} spells it} */
  String name();

  /**
   * {@return the token LLaVA pads with under this template when the tokenizer has no pad token of
   * its own: {@code <unk>}, or {@code [PAD]} (a new token) for v0}
   */
  default String padToken() {
    return "<unk>";
  }

  /**
   * {@return the prompt text of {@code turns}, which must already have their image moved to the
   * front}
   */
  String render(List<Turn> turns);

  /**
   * {@return the prompt for generating the next reply}: {@code turns} (earlier exchanges, then the
   * human turn to answer, image already at its front) rendered as LLaVA's {@code conversation.py}
   * renders a conversation whose last message is the assistant's, still empty ({@code ... USER:
   * <image>\nQ ASSISTANT:} for vicuna_v1)
   *
   * @throws IllegalArgumentException if the last turn is not the human's
   */
  String prompt(List<Turn> turns);

  /**
   * {@return where a generated reply ends, as LLaVA's evaluation stops it: the template's
   * end-of-turn text}
   */
  String stopString();

  /**
   * Renders and tokenizes {@code sample} and masks its labels as LLaVA does.
   *
   * @param tok the tokenizer, with its pad token set ({@link LlavaVocabulary#forTraining})
   * @param markup how the image is written in the text (the model's {@code mm_use_im_start_end})
   * @throws SampleException if the sample is malformed, has an empty reply, or its masking does not
   *     line up
   */
  TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok, ImageMarkup markup);

  /** Checks that {@code turns} end with the human turn a reply is generated for. */
  static void checkPrompt(List<Turn> turns) {
    if (turns.isEmpty() || !turns.get(turns.size() - 1).isHuman()) {
      throw new IllegalArgumentException(
          "a generation prompt must end with a human turn, got "
              + turns.size()
              + " turns"
              + (turns.isEmpty() ? "" : " ending with " + turns.get(turns.size() - 1).from()));
    }
  }

  /**
   * {@return the template called {@code name}}
   *
   * @throws IllegalArgumentException for a name lntune does not know (LLaVA silently falls back to
   *     vicuna_v1)
   */
  static ConversationTemplate forName(String name) {
    return switch (name) {
      case "plain" -> new PlainTemplate();
      case "vicuna_v1", "v1" -> TwoSeparatorTemplate.vicunaV1();
      case "llava_v1" -> TwoSeparatorTemplate.llavaV1();
      case "llama_2" -> Llama2Template.llama2();
      case "llava_llama_2" -> Llama2Template.llavaLlama2();
      case "v0" -> new V0Template();
      default ->
          throw new IllegalArgumentException(
              "unknown conversation template '"
                  + name
                  + "': expected plain, vicuna_v1 (v1), llava_v1, llama_2, llava_llama_2 or v0");
    };
  }
}
