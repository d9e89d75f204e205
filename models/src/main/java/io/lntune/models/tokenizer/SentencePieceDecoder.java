package io.lntune.models.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * Ids back to text as SentencePiece's {@code Decode} does: control pieces vanish, {@code <unk>}
 * becomes the model's unknown surface, runs of byte pieces are reassembled into UTF-8 (an invalid
 * byte becomes U+FFFD), {@code ▁} becomes a space, and the space the dummy prefix added in front of
 * the first piece is dropped.
 */
final class SentencePieceDecoder {
  private static final String SPACE_SYMBOL = String.valueOf(SentencePieceNormalizer.SPACE_SYMBOL);

  private final SentencePieceModel model;
  private final Vocabulary vocab;

  SentencePieceDecoder(SentencePieceModel model, Vocabulary vocab) {
    this.model = model;
    this.vocab = vocab;
  }

  String decode(int[] ids) {
    StringBuilder text = new StringBuilder();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean bosSpacePending = true; // the dummy-prefix space not yet consumed
    boolean bosSpaceSeen = false;
    NormalizerSpec n = model.normalizer();
    for (int id : ids) {
      Piece p = vocab.piece(id);
      if (p.type() == PieceType.BYTE) {
        bytes.write(Vocabulary.byteOf(p.text()));
        continue;
      }
      flush(bytes, text);
      if (bosSpaceSeen || text.length() > 0) {
        bosSpacePending = false;
      }
      bosSpaceSeen = false;
      switch (p.type()) {
        case CONTROL -> {}
        case UNKNOWN -> text.append(model.unkSurface());
        default -> {
          String piece = p.text();
          if (bosSpacePending
              && (n.addDummyPrefix() || n.removeExtraWhitespaces())
              && piece.startsWith(SPACE_SYMBOL)) {
            piece = piece.substring(SPACE_SYMBOL.length());
            bosSpaceSeen = !n.removeExtraWhitespaces();
          }
          text.append(piece.replace(SentencePieceNormalizer.SPACE_SYMBOL, ' '));
        }
      }
    }
    flush(bytes, text);
    return text.toString();
  }

  private static void flush(ByteArrayOutputStream bytes, StringBuilder text) {
    if (bytes.size() == 0) {
      return;
    }
    byte[] b = bytes.toByteArray();
    for (int i = 0; i < b.length; ) {
      long d = Utf8.decode(b, i, b.length);
      int cp = Utf8.codePoint(d);
      text.appendCodePoint(cp < 0 ? Utf8.REPLACEMENT : cp);
      i += Utf8.length(d);
    }
    bytes.reset();
  }
}
