package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * LLaVA's legacy {@code v0} template ({@code conv_vicuna_v0}'s system prompt, {@code ###} signals) with the
 * masking of LLaVA's generic {@code preprocess}: {@code SYSTEM\n\n### Human: Q\n### Assistant: A\n### }. Each
 * turn is tokenized on its own; the header and each human turn except its first two tokens are masked, replies
 * and the final {@code ### } stay supervised. LLaVA pads v0 with a new {@code [PAD]} token (a new embedding row).
 *
 * <pre>{@code
 * ConversationTemplate v0 = ConversationTemplate.forName("v0");
 * Tokenizer tok = Tokenizer.load(dir).withPadToken(v0.padToken());   // [PAD] = 32000
 * }</pre>
 */
public record V0Template() implements ConversationTemplate {
  static final String SYSTEM = "A chat between a curious human and an artificial intelligence assistant. "
      + "The assistant gives helpful, detailed, and polite answers to the human's questions.";

  @Override
  public String name() {
    return "v0";
  }

  @Override
  public String padToken() {
    return "[PAD]";
  }

  @Override
  public String render(List<Turn> turns) {
    StringBuilder ret = new StringBuilder(header());
    turns.forEach(t -> ret.append(signalled(t)));
    return ret.append("### ").toString();
  }

  /**
   * The turns as {@link #render} writes them for training, then {@code ### Assistant:}; the reply ends at the next
   * {@code ###}. (LLaVA's {@code conv_vicuna_v0} also carries a canned example exchange, which lntune leaves out so
   * that prompts look like the training data.)
   */
  @Override
  public String prompt(List<Turn> turns) {
    ConversationTemplate.checkPrompt(turns);
    StringBuilder ret = new StringBuilder(header());
    turns.forEach(t -> ret.append(signalled(t)));
    return ret.append("### Assistant:").toString();
  }

  @Override
  public String stopString() {
    return "###";
  }

  @Override
  public TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok) {
    List<Turn> turns = Turns.prepared(sample);
    boolean image = sample.hasImage();
    int[] ids = PromptTokens.of(tok, render(turns), image);
    int[] labels = ids.clone();
    int cur = length(tok, header(), image);
    RoundMasker.ignore(labels, 0, cur);
    for (Turn t : turns) {
      int len = length(tok, signalled(t), image);
      if (t.isHuman()) {
        RoundMasker.ignore(labels, cur + 2, cur + len);
      }
      cur += len;
    }
    return new TokenizedConversation(sample.id(), ids, labels, image ? RoundMasker.countImages(ids) : 0);
  }

  private static String header() {
    return SYSTEM + "\n\n";
  }

  private static String signalled(Turn t) {
    return "### " + (t.isHuman() ? "Human" : "Assistant") + ": " + t.value() + "\n";
  }

  /** LLaVA counts a text turn's non-pad tokens ({@code _tokenize_fn}) and an image turn's tokens. */
  private static int length(Tokenizer tok, String text, boolean image) {
    int[] ids = PromptTokens.of(tok, text, image);
    int pad = tok.specialTokens().pad();
    return image ? ids.length : (int) Arrays.stream(ids).filter(i -> i != pad).count();
  }
}
