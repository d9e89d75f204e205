package io.lntune.models.tokenizer;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Finds the longest of a set of strings that starts at a position of a text; SentencePiece uses one
 * for its user-defined symbols and Hugging Face one for added tokens.
 *
 * <pre>{@code
 * PrefixMatcher m = new PrefixMatcher(List.of("<s>", "</s>"));
 * m.match("a</s>b", 1);   // 4
 * m.match("a</s>b", 0);   // 0: nothing starts there
 * }</pre>
 */
final class PrefixMatcher {
  private final Set<String> words;
  private final int maxLength;
  private final int minLength;

  PrefixMatcher(Collection<String> words) {
    this.words = new HashSet<>(words);
    this.maxLength = words.stream().mapToInt(String::length).max().orElse(0);
    this.minLength = words.stream().mapToInt(String::length).min().orElse(0);
  }

  boolean isEmpty() {
    return words.isEmpty();
  }

  /**
   * {@return the length of the longest word that starts at {@code from} in {@code text}, 0 when
   * none does}
   */
  int match(String text, int from) {
    int longest = Math.min(maxLength, text.length() - from);
    for (int n = longest; n >= Math.max(1, minLength); n--) {
      if (words.contains(text.substring(from, from + n))) {
        return n;
      }
    }
    return 0;
  }
}
