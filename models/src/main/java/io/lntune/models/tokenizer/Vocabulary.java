package io.lntune.models.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lookups SentencePiece builds from a model's pieces ({@code
 * ModelInterface::InitializePieces}): pieces BPE may merge into (normal, user-defined, unused)
 * apart from the reserved ones (control, unknown, byte), the unknown id and the 256 byte pieces.
 */
final class Vocabulary {
  private final List<Piece> pieces;
  private final Map<String, Integer> mergeable;
  private final Map<String, Integer> reserved;
  private final List<String> userDefined;
  private final int unkId;
  private final int[] byteIds;

  private Vocabulary(
      List<Piece> pieces,
      Map<String, Integer> mergeable,
      Map<String, Integer> reserved,
      List<String> userDefined,
      int unkId,
      int[] byteIds) {
    this.pieces = pieces;
    this.mergeable = mergeable;
    this.reserved = reserved;
    this.userDefined = userDefined;
    this.unkId = unkId;
    this.byteIds = byteIds;
  }

  static Vocabulary of(SentencePieceModel model) {
    List<Piece> pieces = model.pieces();
    Map<String, Integer> mergeable = new HashMap<>();
    Map<String, Integer> reserved = new HashMap<>();
    List<String> userDefined = new ArrayList<>();
    int unk = -1;
    int[] bytes = new int[256];
    Arrays.fill(bytes, -1);
    for (int id = 0; id < pieces.size(); id++) {
      Piece p = pieces.get(id);
      boolean normal =
          p.type() == PieceType.NORMAL
              || p.type() == PieceType.USER_DEFINED
              || p.type() == PieceType.UNUSED;
      if ((normal ? mergeable : reserved).putIfAbsent(p.text(), id) != null) {
        throw new TokenizerException("piece '" + p.text() + "' (id " + id + ") is defined twice");
      }
      switch (p.type()) {
        case USER_DEFINED -> userDefined.add(p.text());
        case UNKNOWN -> {
          if (unk >= 0) {
            throw new TokenizerException("two unknown pieces: ids " + unk + " and " + id);
          }
          unk = id;
        }
        case BYTE -> {
          if (!model.byteFallback()) {
            throw new TokenizerException(
                "byte piece '" + p.text() + "' (id " + id + ") but byte_fallback is off");
          }
          int b = byteOf(p.text());
          if (b < 0) {
            throw new TokenizerException(
                "byte piece '" + p.text() + "' (id " + id + ") is not <0xNN>");
          }
          bytes[b] = id;
        }
        default -> {}
      }
    }
    if (unk < 0) {
      throw new TokenizerException("the model has no unknown piece (type UNKNOWN)");
    }
    if (model.byteFallback()) {
      for (int b = 0; b < 256; b++) {
        if (bytes[b] < 0) {
          throw new TokenizerException(
              String.format("byte_fallback is on but piece <0x%02X> is missing", b));
        }
      }
    }
    return new Vocabulary(pieces, mergeable, reserved, List.copyOf(userDefined), unk, bytes);
  }

  /** {@return the byte of a {@code <0xNN>} piece, or -1} */
  static int byteOf(String piece) {
    if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(piece.charAt(3), 16);
    int lo = Character.digit(piece.charAt(4), 16);
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  Piece piece(int id) {
    if (id < 0 || id >= pieces.size()) {
      throw new TokenizerException(
          "id " + id + " is outside the vocabulary of " + pieces.size() + " pieces");
    }
    return pieces.get(id);
  }

  /** {@return the id of a piece BPE may merge into, or -1} */
  int mergeableId(String piece) {
    Integer id = mergeable.get(piece);
    return id == null ? -1 : id;
  }

  /**
   * SentencePiece's {@code PieceToId}: reserved pieces first, then the others, else the unknown id.
   */
  int pieceToId(String piece) {
    Integer id = reserved.get(piece);
    if (id == null) {
      id = mergeable.get(piece);
    }
    return id == null ? unkId : id;
  }

  int unkId() {
    return unkId;
  }

  int byteId(int b) {
    return byteIds[b];
  }

  List<String> userDefined() {
    return userDefined;
  }
}
