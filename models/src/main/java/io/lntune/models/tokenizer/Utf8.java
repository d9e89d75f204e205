package io.lntune.models.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 the way SentencePiece reads it: an invalid byte decodes to U+FFFD and consumes one byte,
 * and a lone surrogate in Java text counts as U+FFFD (SentencePiece replaces malformed input the
 * same way).
 */
final class Utf8 {
  static final int REPLACEMENT = 0xFFFD;

  private Utf8() {}

  /** {@return {@code text} with every unpaired surrogate replaced by U+FFFD} */
  static String sanitize(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
              && i + 1 < text.length()
              && Character.isLowSurrogate(text.charAt(i + 1));
      if (Character.isSurrogate(c) && !paired) {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
        out.append((char) REPLACEMENT);
      } else {
        if (out != null) {
          out.append(c);
          if (paired) {
            out.append(text.charAt(i + 1));
          }
        }
        if (paired) {
          i++;
        }
      }
    }
    return out == null ? text : out.toString();
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Decodes the code point at {@code bytes[offset]}.
   *
   * @return the code point in the low 32 bits and its length in bytes in the high 32 bits; an
   *     invalid sequence gives {@code -1} with length 1
   */
  static long decode(byte[] bytes, int offset, int end) {
    int b0 = bytes[offset] & 0xff;
    int left = end - offset;
    if (b0 < 0x80) {
      return pack(b0, 1);
    }
    if (left >= 2 && (b0 & 0xE0) == 0xC0 && trail(bytes[offset + 1])) {
      int cp = (b0 & 0x1F) << 6 | (bytes[offset + 1] & 0x3F);
      if (cp >= 0x80) {
        return pack(cp, 2);
      }
    } else if (left >= 3
        && (b0 & 0xF0) == 0xE0
        && trail(bytes[offset + 1])
        && trail(bytes[offset + 2])) {
      int cp = (b0 & 0x0F) << 12 | (bytes[offset + 1] & 0x3F) << 6 | (bytes[offset + 2] & 0x3F);
      if (cp >= 0x800 && valid(cp)) {
        return pack(cp, 3);
      }
    } else if (left >= 4
        && (b0 & 0xF8) == 0xF0
        && trail(bytes[offset + 1])
        && trail(bytes[offset + 2])
        && trail(bytes[offset + 3])) {
      int cp =
          (b0 & 0x07) << 18
              | (bytes[offset + 1] & 0x3F) << 12
              | (bytes[offset + 2] & 0x3F) << 6
              | (bytes[offset + 3] & 0x3F);
      if (cp >= 0x10000 && valid(cp)) {
        return pack(cp, 4);
      }
    }
    return pack(-1, 1);
  }

  private static boolean trail(byte b) {
    return (b & 0xC0) == 0x80;
  }

  private static boolean valid(int cp) {
    return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
  }

  private static long pack(int cp, int length) {
    return (long) length << 32 | (cp & 0xffffffffL);
  }

  static int codePoint(long packed) {
    return (int) packed;
  }

  static int length(long packed) {
    return (int) (packed >>> 32);
  }
}
