package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * LLaVA's legacy {@code v0} template ({@code conv_vicuna_v0}'s system prompt, {@code ###} signals).
 * Training uses the masking of LLaVA's generic {@code preprocess}: {@code SYSTEM\n\n### Human:
 * Q\n### Assistant: A\n### }; each turn is tokenized on its own; the header and each human turn
 * except its first two tokens are masked, replies and the final {@code ### } stay supervised.
 * Generation prompts are {@code conv_vicuna_v0.get_prompt()}: the system prompt, the template's
 * canned example exchange, then {@code Human: Q###Assistant:}. LLaVA pads v0 with a new {@code
 * [PAD]} token (a new embedding row) when the tokenizer has no pad token.
 *
 * <pre>{@code
 * ConversationTemplate v0 = ConversationTemplate.forName("v0");
 * Tokenizer tok = LlavaVocabulary.forTraining(model, Tokenizer.load(dir), v0);   // [PAD] = 32000, model resized
 * }</pre>
 */
public record V0Template() implements ConversationTemplate {
  static final String SYSTEM =
      "A chat between a curious human and an artificial intelligence assistant. "
          + "The assistant gives helpful, detailed, and polite answers to the human's questions.";

  /** The first message of {@code conv_vicuna_v0}, which every v0 prompt carries. */
  static final String EXAMPLE_QUESTION =
      "What are the key differences between renewable and non-renewable energy " + "sources?";

  /** The reply to {@link #EXAMPLE_QUESTION} in {@code conv_vicuna_v0}. */
  static final String EXAMPLE_ANSWER =
      "Renewable energy sources are those that can be replenished naturally in a "
          + "relatively short amount of time, such as solar, wind, hydro, geothermal, and biomass. Non-renewable energy "
          + "sources, on the other hand, are finite and will eventually be depleted, such as coal, oil, and natural gas. "
          + "Here are some key differences between renewable and non-renewable energy sources:\n"
          + "1. Availability: Renewable energy sources are virtually inexhaustible, while non-renewable energy sources "
          + "are finite and will eventually run out.\n"
          + "2. Environmental impact: Renewable energy sources have a much lower environmental impact than non-renewable "
          + "sources, which can lead to air and water pollution, greenhouse gas emissions, and other negative effects.\n"
          + "3. Cost: Renewable energy sources can be more expensive to initially set up, but they typically have lower "
          + "operational costs than non-renewable sources.\n"
          + "4. Reliability: Renewable energy sources are often more reliable and can be used in more remote locations "
          + "than non-renewable sources.\n"
          + "5. Flexibility: Renewable energy sources are often more flexible and can be adapted to different situations "
          + "and needs, while non-renewable sources are more rigid and inflexible.\n"
          + "6. Sustainability: Renewable energy sources are more sustainable over the long term, while non-renewable "
          + "sources are not, and their depletion can lead to economic and social instability.\n";

  private static final String SEP = "###";

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
   * {@code conv_vicuna_v0}'s {@code SeparatorStyle.SINGLE} rendering with an empty assistant
   * message at the end.
   */
  @Override
  public String prompt(List<Turn> turns) {
    ConversationTemplate.checkPrompt(turns);
    StringBuilder ret = new StringBuilder(SYSTEM).append(SEP);
    ret.append("Human: ").append(EXAMPLE_QUESTION).append(SEP);
    ret.append("Assistant: ").append(EXAMPLE_ANSWER).append(SEP);
    turns.forEach(t -> ret.append(role(t)).append(": ").append(t.value()).append(SEP));
    return ret.append("Assistant:").toString();
  }

  @Override
  public String stopString() {
    return "###";
  }

  @Override
  public TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok, ImageMarkup markup) {
    List<Turn> turns = Turns.prepared(sample, markup);
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
    return new TokenizedConversation(
        sample.id(), ids, labels, image ? RoundMasker.countImages(ids) : 0);
  }

  private static String header() {
    return SYSTEM + "\n\n";
  }

  private static String signalled(Turn t) {
    return "### " + role(t) + ": " + t.value() + "\n";
  }

  private static String role(Turn t) {
    return t.isHuman() ? "Human" : "Assistant";
  }

  /**
   * LLaVA counts a text turn's non-pad tokens ({@code _tokenize_fn}) and an image turn's tokens.
   */
  private static int length(Tokenizer tok, String text, boolean image) {
    int[] ids = PromptTokens.of(tok, text, image);
    int pad = tok.specialTokens().pad();
    return image ? ids.length : (int) Arrays.stream(ids).filter(i -> i != pad).count();
  }
}
