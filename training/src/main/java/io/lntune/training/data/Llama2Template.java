package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.List;

/**
 * LLaVA's {@code SeparatorStyle.LLAMA_2} templates, Meta's chat format: {@code llama_2} (the
 * Llama-2 system prompt) and {@code llava_llama_2} (LLaVA's vision-assistant system prompt): {@code
 * [INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nQ [/INST] A </s><s>[INST] Q2 [/INST] A2 </s>}; masking
 * follows {@code preprocess_llama_2}, which has no correction for non-legacy tokenizers.
 *
 * <pre>{@code
 * TokenizedConversation t = Llama2Template.llavaLlama2().tokenize(sample, tokenizer, ImageMarkup.BARE);
 * }</pre>
 *
 * @param name the template's name
 * @param system the system prompt
 */
public record Llama2Template(String name, String system) implements ConversationTemplate {
  static final String LLAMA_2_SYSTEM =
      "You are a helpful, respectful and honest assistant. Always answer as "
          + "helpfully as possible, while being safe.  Your answers should not include any harmful, unethical, racist, "
          + "sexist, toxic, dangerous, or illegal content. Please ensure that your responses are socially unbiased and "
          + "positive in nature.\n\nIf a question does not make any sense, or is not factually coherent, explain why "
          + "instead of answering something not correct. If you don't know the answer to a question, please don't "
          + "share false information.";
  static final String LLAVA_SYSTEM =
      "You are a helpful language and vision assistant. You are able to understand "
          + "the visual content that the user provides, and assist the user with a variety of tasks using natural "
          + "language.";
  private static final String SEP = "<s>";
  private static final String SEP2 = "</s>";

  /** {@return LLaVA's {@code conv_llama_2}} */
  public static Llama2Template llama2() {
    return new Llama2Template("llama_2", LLAMA_2_SYSTEM);
  }

  /** {@return LLaVA's {@code conv_llava_llama_2}} */
  public static Llama2Template llavaLlama2() {
    return new Llama2Template("llava_llama_2", LLAVA_SYSTEM);
  }

  @Override
  public String render(List<Turn> turns) {
    StringBuilder ret = new StringBuilder();
    for (int i = 0; i < turns.size(); i++) {
      String message = turns.get(i).value();
      if (i == 0) {
        message = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + message;
      }
      if (i % 2 == 0) {
        ret.append(SEP).append("[INST] ").append(message).append(" [/INST]");
      } else {
        ret.append(' ').append(message).append(' ').append(SEP2);
      }
    }
    // LLaVA's ret.lstrip("<s>") removes any leading '<', 's' and '>' characters, not the string.
    int start = 0;
    while (start < ret.length() && SEP.indexOf(ret.charAt(start)) >= 0) {
      start++;
    }
    return ret.substring(start);
  }

  /**
   * LLaVA appends nothing for the empty assistant message: the prompt ends with {@code [/INST]}.
   */
  @Override
  public String prompt(List<Turn> turns) {
    ConversationTemplate.checkPrompt(turns);
    return render(turns);
  }

  @Override
  public String stopString() {
    return SEP2;
  }

  @Override
  public TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok, ImageMarkup markup) {
    List<Turn> turns = Turns.alternating(sample.id(), Turns.prepared(sample, markup));
    return RoundMasker.mask(
        sample.id(), render(turns), sample.hasImage(), tok, SEP2, "[/INST] ", false);
  }
}
