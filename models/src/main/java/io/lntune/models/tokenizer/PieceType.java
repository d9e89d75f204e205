package io.lntune.models.tokenizer;

/**
 * The kind of a SentencePiece vocabulary entry ({@code ModelProto.SentencePiece.Type}), numbered as
 * in {@code sentencepiece_model.proto}.
 *
 * <pre>{@code
 * if (model.pieces().get(id).type() == PieceType.BYTE) { ... }   // <0x0A> and friends
 * }</pre>
 */
public enum PieceType {
  /** An ordinary piece that BPE may produce. */
  NORMAL(1),
  /** The unknown piece, {@code <unk>}. */
  UNKNOWN(2),
  /** An invisible control symbol such as {@code <s>} and {@code </s>}; never produced from text. */
  CONTROL(3),
  /** A piece matched whole in the text before BPE runs, and never merged with its neighbours. */
  USER_DEFINED(4),
  /** A piece kept in the vocabulary but split back into its parts when BPE produces it. */
  UNUSED(5),
  /** One byte, {@code <0xNN>}, for characters outside the vocabulary when byte fallback is on. */
  BYTE(6);

  private final int number;

  PieceType(int number) {
    this.number = number;
  }

  /**
   * {@return the type with protobuf number {@code n}} @throws TokenizerException for an unknown
   * number
   */
  static PieceType of(long n, String where) {
    for (PieceType t : values()) {
      if (t.number == n) {
        return t;
      }
    }
    throw new TokenizerException(where + ": unknown piece type " + n);
  }
}
