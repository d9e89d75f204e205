package io.lntune.models.tokenizer;

import java.util.Arrays;

/**
 * How Hugging Face's {@code LlamaTokenizer} encodes text when {@code tokenizer_config.json} sets
 * {@code legacy: false} (transformers PR #24565): SentencePiece runs with its dummy prefix switched
 * off, and a single {@code ▁} is put in front of the whole text instead, so text that follows a
 * special token gets no space of its own ({@code "</s>USER"} encodes {@code USER} as one piece,
 * where the legacy tokenizer gives {@code ▁US ER}). A piece that starts with a space is encoded
 * behind the unknown token's text and that text's pieces are dropped again, which keeps
 * SentencePiece from treating the leading {@code ▁} specially.
 *
 * <pre>{@code
 * NonLegacyText t = NonLegacyText.of(sp, "<unk>");
 * t.encode(t.prefixed("Hello"));   // [15043]: "▁Hello", as the legacy tokenizer gives it
 * t.encode("USER:");               // [11889, 29901]: no space in front
 * }</pre>
 */
final class NonLegacyText {
  private static final char SPIECE_UNDERLINE = SentencePieceNormalizer.SPACE_SYMBOL;

  private final SentencePieceBpe withoutPrefix;
  private final String unk;
  private final int unkLength;
  private final int spaceId;

  private NonLegacyText(SentencePieceBpe withoutPrefix, String unk) {
    this.withoutPrefix = withoutPrefix;
    this.unk = unk;
    this.unkLength = withoutPrefix.encode(unk).length;
    String space = String.valueOf(SPIECE_UNDERLINE);
    int id = withoutPrefix.pieceToId(space);
    this.spaceId = space.equals(withoutPrefix.idToPiece(id)) ? id : -1;
  }

  /** {@return the encoder for {@code sp}, whose unknown token reads {@code unk} in text} */
  static NonLegacyText of(SentencePieceBpe sp, String unk) {
    return new NonLegacyText(SentencePieceBpe.of(sp.model().withoutDummyPrefix()), unk);
  }

  /**
   * {@return the text as the tokenizer splits it: {@code ▁} in front, and every {@code ▁} of the
   * input a space}
   */
  String prefixed(String text) {
    return SPIECE_UNDERLINE + text.replace(SPIECE_UNDERLINE, ' ');
  }

  /**
   * {@return the ids of a piece of text between added tokens (Hugging Face's {@code _tokenize})}
   */
  int[] encode(String piece) {
    if (piece.isEmpty() || piece.charAt(0) != SPIECE_UNDERLINE && piece.charAt(0) != ' ') {
      return withoutPrefix.encode(piece);
    }
    int[] ids = withoutPrefix.encode(unk + piece);
    return ids.length >= unkLength ? Arrays.copyOfRange(ids, unkLength, ids.length) : ids;
  }

  /**
   * {@return whether {@code ids} is the lone {@code ▁} piece that the prefix leaves before a
   * leading special token}
   */
  boolean isLoneSpace(int[] ids) {
    return ids.length == 1 && ids[0] == spaceId;
  }
}
