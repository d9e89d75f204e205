package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.List;

/**
 * LLaVA's {@code llama_2} template ({@code SeparatorStyle.LLAMA_2}, Meta's chat format with the Llama-2 system
 * prompt): {@code [INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nQ [/INST] A </s><s>[INST] Q2 [/INST] A2 </s>}; masking
 * follows {@code preprocess_llama_2}.
 *
 * <pre>{@code
 * TokenizedConversation t = new Llama2Template().tokenize(sample, tokenizer.withPadToken("<unk>"));
 * }</pre>
 */
public record Llama2Template() implements ConversationTemplate {
  static final String SYSTEM = "You are a helpful, respectful and honest assistant. Always answer as helpfully as "
      + "possible, while being safe.  Your answers should not include any harmful, unethical, racist, sexist, "
      + "toxic, dangerous, or illegal content. Please ensure that your responses are socially unbiased and "
      + "positive in nature.\n\nIf a question does not make any sense, or is not factually coherent, explain why "
      + "instead of answering something not correct. If you don't know the answer to a question, please don't "
      + "share false information.";
  private static final String SEP = "<s>";
  private static final String SEP2 = "</s>";

  @Override
  public String name() {
    return "llama_2";
  }

  @Override
  public String render(List<Turn> turns) {
    StringBuilder ret = new StringBuilder();
    for (int i = 0; i < turns.size(); i++) {
      String message = turns.get(i).value();
      if (i == 0) {
        message = "<<SYS>>\n" + SYSTEM + "\n<</SYS>>\n\n" + message;
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

  /** LLaVA appends nothing for the empty assistant message: the prompt ends with {@code [/INST]}. */
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
  public TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok) {
    List<Turn> turns = Turns.alternating(sample.id(), Turns.prepared(sample));
    return RoundMasker.mask(sample.id(), render(turns), sample.hasImage(), tok, SEP2, "[/INST] ");
  }
}
