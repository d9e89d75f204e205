package io.lntune.training.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A sample after its template: the ids the model reads ({@link PromptTokens#IMAGE_TOKEN_INDEX}
 * where the image goes) and the labels the loss compares with ({@link PromptTokens#IGNORE_INDEX}
 * where nothing is supervised).
 *
 * <pre>{@code
 * TokenizedConversation t = ConversationTemplate.forName("vicuna_v1").tokenize(sample, tokenizer);
 * t.inputIds().length == t.labels().length;   // always
 * t.truncate(2048, 576);                      // the image counts as its 576 feature rows
 * }</pre>
 *
 * @param id the sample id
 * @param inputIds the token ids, images as single placeholders
 * @param labels the supervised ids, -100 elsewhere
 * @param images how many image placeholders {@code inputIds} holds
 */
public record TokenizedConversation(String id, int[] inputIds, int[] labels, int images) {
  public TokenizedConversation {
    Objects.requireNonNull(id, "id");
    if (inputIds.length != labels.length) {
      throw new IllegalArgumentException(
          "sample " + id + ": " + inputIds.length + " ids but " + labels.length + " labels");
    }
  }

  /** {@return how many positions the model sees once every image placeholder is expanded} */
  public int expandedLength(int imageTokens) {
    return inputIds.length + images * (imageTokens - 1);
  }

  /**
   * Cuts the sample to {@code maxLength} positions counting each image as {@code imageTokens}
   * positions, as LLaVA does when it truncates after splicing the image features in.
   *
   * @throws SampleException ({@link BadRow#TOO_LONG}) if the cut would fall inside an image
   */
  public TokenizedConversation truncate(int maxLength, int imageTokens) {
    if (expandedLength(imageTokens) <= maxLength) {
      return this;
    }
    int positions = 0;
    int keep = 0;
    while (keep < inputIds.length) {
      int width = inputIds[keep] == PromptTokens.IMAGE_TOKEN_INDEX ? imageTokens : 1;
      if (positions + width > maxLength) {
        if (width > 1) {
          throw new SampleException(
              id,
              BadRow.TOO_LONG,
              "the image at token "
                  + keep
                  + " ends at position "
                  + (positions + width)
                  + ", past the maximum length "
                  + maxLength);
        }
        break;
      }
      positions += width;
      keep++;
    }
    int kept =
        (int)
            Arrays.stream(inputIds, 0, keep)
                .filter(i -> i == PromptTokens.IMAGE_TOKEN_INDEX)
                .count();
    return new TokenizedConversation(
        id, Arrays.copyOf(inputIds, keep), Arrays.copyOf(labels, keep), kept);
  }

  /** {@return how many labels are supervised} */
  public int supervisedCount() {
    return (int) Arrays.stream(labels).filter(l -> l != PromptTokens.IGNORE_INDEX).count();
  }
}
