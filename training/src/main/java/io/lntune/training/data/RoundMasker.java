package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The label masking of LLaVA's {@code preprocess_v1} and {@code preprocess_llama_2}: the prompt is
 * cut into rounds at the end-of-reply separator, each round into instruction and reply at the
 * assistant marker; each round and each instruction is tokenized on its own, and the instruction's
 * length less 2 (its BOS, and the trailing space that in context merges into the reply's first
 * token) is masked; {@code preprocess_v1} takes one more token off every later round for a
 * non-legacy tokenizer. Then the summed round lengths must equal the prompt's length; LLaVA masks
 * the whole sample when they do not, lntune throws.
 */
final class RoundMasker {
  private RoundMasker() {}

  /**
   * @param nonLegacyRounds whether a round after the first counts one token less ({@code
   *     preprocess_v1} with a non-legacy tokenizer: the round is tokenized with a leading space
   *     that it lacks after the previous {@code </s>})
   */
  static TokenizedConversation mask(
      String id,
      String prompt,
      boolean hasImage,
      Tokenizer tok,
      String roundEnd,
      String replyStart,
      boolean nonLegacyRounds) {
    int[] ids = PromptTokens.of(tok, prompt, hasImage);
    int[] labels = ids.clone();
    int curLen = 1;
    Arrays.fill(labels, 0, Math.min(curLen, labels.length), PromptTokens.IGNORE_INDEX);
    List<String> rounds = split(prompt, roundEnd);
    for (int i = 0; i < rounds.size(); i++) {
      String round = rounds.get(i);
      if (round.isEmpty()) {
        break;
      }
      List<String> parts = split(round, replyStart);
      if (parts.size() != 2) {
        break;
      }
      int later = nonLegacyRounds && i > 0 ? 1 : 0;
      int roundLen = PromptTokens.of(tok, round, hasImage).length - later;
      int instructionLen =
          PromptTokens.of(tok, parts.get(0) + replyStart, hasImage).length - 2 - later;
      ignore(labels, curLen, curLen + instructionLen);
      curLen += roundLen;
    }
    ignore(labels, curLen, labels.length);
    int pad = tok.specialTokens().pad();
    long total = Arrays.stream(ids).filter(i -> i != pad).count();
    if (curLen != total) {
      throw new SampleException(
          id,
          BadRow.TOKENIZATION_MISMATCH,
          "the rounds add up to "
              + curLen
              + " tokens but the prompt has "
              + total
              + " (LLaVA would silently mask the whole sample); a message "
              + "probably contains '"
              + replyStart.strip()
              + "' or '"
              + roundEnd
              + "'");
    }
    return new TokenizedConversation(id, ids, labels, hasImage ? countImages(ids) : 0);
  }

  static int countImages(int[] ids) {
    return (int) Arrays.stream(ids).filter(i -> i == PromptTokens.IMAGE_TOKEN_INDEX).count();
  }

  /**
   * Python's {@code labels[from:to] = IGNORE_INDEX}: an empty or out-of-range slice changes
   * nothing.
   */
  static void ignore(int[] labels, int from, int to) {
    int a = Math.min(from, labels.length);
    int b = Math.min(to, labels.length);
    if (a < b) {
      Arrays.fill(labels, a, b, PromptTokens.IGNORE_INDEX);
    }
  }

  /** Python's {@code str.split(sep)}: literal, keeps empty pieces. */
  static List<String> split(String s, String sep) {
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int at = s.indexOf(sep); at >= 0; at = s.indexOf(sep, from)) {
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }
}
