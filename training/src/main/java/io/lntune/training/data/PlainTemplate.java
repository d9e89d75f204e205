package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * LLaVA's {@code plain} template for stage 1 (connector pretraining on captions): the instruction
 * is dropped, the prompt is the image followed by the caption and a newline, and everything but the
 * caption and newline is masked ({@code preprocess_plain}). Every sample needs an image and exactly
 * one human and one gpt turn.
 *
 * <pre>{@code
 * new PlainTemplate().render(List.of(new Turn("human", "<image>\nDescribe."), new Turn("gpt", "A red square.")));
 * // "<image>A red square.\n"
 * }</pre>
 */
public record PlainTemplate() implements ConversationTemplate {
  @Override
  public String name() {
    return "plain";
  }

  @Override
  public String render(List<Turn> turns) {
    return LlavaText.IMAGE + turns.get(1).value() + "\n";
  }

  /**
   * LLaVA's {@code conv_llava_plain}: every message followed by a newline, no roles, no system
   * prompt; the reply ends at the next newline.
   */
  @Override
  public String prompt(List<Turn> turns) {
    ConversationTemplate.checkPrompt(turns);
    StringBuilder ret = new StringBuilder();
    turns.forEach(t -> ret.append(t.value()).append('\n'));
    return ret.toString();
  }

  @Override
  public String stopString() {
    return "\n";
  }

  /**
   * {@code preprocess_plain} replaces the human turn by a bare {@code <image>}, whatever the
   * markup.
   */
  @Override
  public TokenizedConversation tokenize(LlavaSample sample, Tokenizer tok, ImageMarkup markup) {
    String id = sample.id();
    if (!sample.hasImage()) {
      throw new SampleException(
          id, BadRow.MALFORMED_CONVERSATION, "the plain template needs an image");
    }
    List<Turn> turns = Turns.prepared(sample, ImageMarkup.BARE);
    if (turns.size() != 2
        || !turns.get(0).isHuman()
        || !turns.get(0).value().contains(LlavaText.IMAGE)) {
      throw new SampleException(
          id,
          BadRow.MALFORMED_CONVERSATION,
          "the plain template needs one human turn with "
              + "<image> and one gpt turn, got "
              + turns.size()
              + " turns");
    }
    int[] ids = PromptTokens.withImages(tok, render(turns));
    int[] labels = ids.clone();
    int instruction = PromptTokens.withImages(tok, LlavaText.IMAGE).length;
    Arrays.fill(labels, 0, Math.min(instruction, labels.length), PromptTokens.IGNORE_INDEX);
    return new TokenizedConversation(id, ids, labels, RoundMasker.countImages(ids));
  }
}
