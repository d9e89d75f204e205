package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.List;

/**
 * LLaVA's {@code SeparatorStyle.TWO} templates, {@code vicuna_v1} (LLaVA-1.5's stage 2) and {@code
 * llava_v1}: {@code SYSTEM USER: <image>\nQ ASSISTANT: A</s>USER: Q2 ASSISTANT: A2</s>}. The {@code
 * </s>} after each reply becomes the EOS id and is supervised with the reply; masking follows
 * {@code preprocess_v1}, including its correction for non-legacy tokenizers (whose later rounds
 * start without a space token).
 *
 * <pre>{@code
 * ConversationTemplate t = TwoSeparatorTemplate.vicunaV1();
 * t.render(List.of(new Turn("human", "Hi"), new Turn("gpt", "Hello")));
 * // "A chat between ... questions. USER: Hi ASSISTANT: Hello</s>"
 * }</pre>
 */
public record TwoSeparatorTemplate(String name, String system) implements ConversationTemplate {
  private static final String USER = "USER";
  private static final String ASSISTANT = "ASSISTANT";
  private static final String SEP = " ";
  private static final String SEP2 = "</s>";

  /** {@return LLaVA's {@code conv_vicuna_v1}, its default template} */
  public static TwoSeparatorTemplate vicunaV1() {
    return new TwoSeparatorTemplate(
        "vicuna_v1",
        "A chat between a curious user and an artificial intelligence "
            + "assistant. The assistant gives helpful, detailed, and polite answers to the user's questions.");
  }

  /**
   * {@return LLaVA's {@code conv_llava_v1}: as vicuna_v1, with "human" for "user" in the system
   * prompt}
   */
  public static TwoSeparatorTemplate llavaV1() {
    return new TwoSeparatorTemplate(
        "llava_v1",
        "A chat between a curious human and an artificial intelligence "
            + "assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.");
  }

  /**
   * {@return the template's own words, the system prompt and the role names: what a tokenizer's
   * corpus needs}
   */
  public String words() {
    return system + SEP + USER + ": " + ASSISTANT + ":";
  }

  @Override
  public String render(List<Turn> turns) {
    StringBuilder ret = new StringBuilder(system).append(SEP);
    for (int i = 0; i < turns.size(); i++) {
      Turn t = turns.get(i);
      ret.append(t.isHuman() ? USER : ASSISTANT)
          .append(": ")
          .append(t.value())
          .append(i % 2 == 0 ? SEP : SEP2);
    }
    return ret.toString();
  }

  @Override
  public String prompt(List<Turn> turns) {
    ConversationTemplate.checkPrompt(turns);
    return render(turns) + ASSISTANT + ":";
  }

  @Override
  public String stopString() {
    return SEP2;
  }

  /**
   * Masks as {@code preprocess_v1}, which counts one token less per later round for a non-legacy
   * tokenizer.
   */
  @Override
  public TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok, ImageMarkup markup) {
    List<Turn> turns = Turns.alternating(sample.id(), Turns.prepared(sample, markup));
    return RoundMasker.mask(
        sample.id(),
        render(turns),
        sample.hasImage(),
        tok,
        SEP2,
        SEP + ASSISTANT + ": ",
        !tok.isLegacy());
  }
}
