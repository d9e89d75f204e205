package io.lntune.models.tokenizer;

/**
 * Turns text into the string BPE runs on, following SentencePiece's {@code Normalizer::Normalize}
 * for models without a precompiled character map: optional removal of leading, trailing and
 * repeated spaces, the dummy prefix, and spaces escaped as {@code ▁}. User-defined symbols pass
 * through as units.
 */
final class SentencePieceNormalizer {
  static final char SPACE_SYMBOL = '\u2581';

  private final NormalizerSpec spec;
  private final PrefixMatcher userDefined;

  SentencePieceNormalizer(NormalizerSpec spec, PrefixMatcher userDefined) {
    this.spec = spec;
    this.userDefined = userDefined;
  }

  String normalize(String input) {
    String text = Utf8.sanitize(input);
    int pos = 0;
    if (spec.removeExtraWhitespaces()) {
      while (pos < text.length() && unitLength(text, pos) == 1 && text.charAt(pos) == ' ') {
        pos++;
      }
    }
    if (pos == text.length()) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 1);
    if (spec.addDummyPrefix()) {
      out.append(spec.escapeWhitespaces() ? SPACE_SYMBOL : ' ');
    }
    boolean prevSpace = spec.removeExtraWhitespaces();
    while (pos < text.length()) {
      int n = unitLength(text, pos);
      int from = pos;
      // Like SentencePiece: a unit loses its leading spaces when the previous unit ended with one.
      while (prevSpace && from < pos + n && text.charAt(from) == ' ') {
        from++;
      }
      if (from < pos + n) {
        for (int i = from; i < pos + n; i++) {
          char c = text.charAt(i);
          out.append(c == ' ' && spec.escapeWhitespaces() ? SPACE_SYMBOL : c);
        }
        prevSpace = text.charAt(pos + n - 1) == ' ';
      }
      pos += n;
      if (!spec.removeExtraWhitespaces()) {
        prevSpace = false;
      }
    }
    if (spec.removeExtraWhitespaces()) {
      char space = spec.escapeWhitespaces() ? SPACE_SYMBOL : ' ';
      int end = out.length();
      while (end > 0 && out.charAt(end - 1) == space) {
        end--;
      }
      out.setLength(end);
    }
    return out.toString();
  }

  /** One code point, or a whole user-defined symbol. */
  private int unitLength(String text, int pos) {
    int symbol = userDefined.isEmpty() ? 0 : userDefined.match(text, pos);
    return symbol > 0 ? symbol : Character.charCount(text.codePointAt(pos));
  }
}
