package io.lntune.models.tokenizer;

import java.util.Objects;

/**
 * One vocabulary entry of a SentencePiece model: its text (with {@code ▁} for a space), its score
 * (BPE merges the pair whose merged piece scores highest) and its type.
 *
 * <pre>{@code
 * Piece p = model.pieces().get(15043);   // Piece[text=▁Hello, score=-14784.0, type=NORMAL]
 * }</pre>
 *
 * @param text the piece, never empty
 * @param score the merge priority
 * @param type the kind of piece
 */
public record Piece(String text, float score, PieceType type) {
  public Piece {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(type, "type");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("a piece must not be empty");
    }
  }
}
