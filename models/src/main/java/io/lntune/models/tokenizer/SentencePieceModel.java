package io.lntune.models.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The parsed contents of a SentencePiece {@code tokenizer.model} ({@code ModelProto}): the
 * vocabulary and the settings that encoding depends on. Read with a small wire-format reader, so no
 * protobuf library is needed.
 *
 * <pre>{@code
 * SentencePieceModel m = SentencePieceModel.read(Path.of("/models/vicuna-7b-v1.5/tokenizer.model"));
 * m.pieces().size();        // 32000
 * m.modelType();            // BPE
 * m.byteFallback();         // true
 * }</pre>
 *
 * @param pieces the vocabulary; a piece's index is its id
 * @param modelType {@code trainer_spec.model_type}: UNIGRAM, BPE, WORD or CHAR
 * @param byteFallback whether characters outside the vocabulary become {@code <0xNN>} byte pieces
 * @param treatWhitespaceAsSuffix whether the space marker ends a word instead of starting it
 * @param unkSurface the text an {@code <unk>} decodes to
 * @param normalizer the text rules applied before BPE
 */
public record SentencePieceModel(
    List<Piece> pieces,
    String modelType,
    boolean byteFallback,
    boolean treatWhitespaceAsSuffix,
    String unkSurface,
    NormalizerSpec normalizer) {
  private static final String[] MODEL_TYPES = {"UNIGRAM", "BPE", "WORD", "CHAR"};

  public SentencePieceModel {
    pieces = List.copyOf(pieces);
    Objects.requireNonNull(modelType, "modelType");
    Objects.requireNonNull(unkSurface, "unkSurface");
    Objects.requireNonNull(normalizer, "normalizer");
  }

  /**
   * Reads and parses {@code file}.
   *
   * @throws TokenizerException if the file cannot be read or is not a SentencePiece model
   */
  public static SentencePieceModel read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TokenizerException(
          file + ": cannot read the SentencePiece model: " + e.getMessage(), e);
    }
    return parse(bytes, file.toString());
  }

  /**
   * Parses a serialized {@code ModelProto}.
   *
   * @param name the file name, for error messages
   * @throws TokenizerException if the bytes are not a SentencePiece model
   */
  public static SentencePieceModel parse(byte[] bytes, String name) {
    List<Piece> pieces = new ArrayList<>();
    String modelType = "UNIGRAM";
    boolean byteFallback = false;
    boolean suffix = false;
    String unkSurface = " \u2047 ";
    NormalizerSpec normalizer = NormalizerSpec.defaults();
    boolean trainerSpec = false;
    ProtoReader r = new ProtoReader(bytes, 0, bytes.length, name);
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          r.expect(tag, ProtoReader.LENGTH_DELIMITED, "pieces");
          pieces.add(piece(r.readMessage(name + ": pieces[" + pieces.size() + "]")));
        }
        case 2 -> {
          r.expect(tag, ProtoReader.LENGTH_DELIMITED, "trainer_spec");
          ProtoReader t = r.readMessage(name + ": trainer_spec");
          trainerSpec = true;
          while (t.hasMore()) {
            int tt = t.readTag();
            switch (ProtoReader.field(tt)) {
              case 3 -> modelType = modelType(t.readVarint(), name);
              case 24 -> suffix = t.readVarint() != 0;
              case 35 -> byteFallback = t.readVarint() != 0;
              case 44 -> unkSurface = t.readString();
              default -> t.skip(tt);
            }
          }
        }
        case 3 -> {
          r.expect(tag, ProtoReader.LENGTH_DELIMITED, "normalizer_spec");
          normalizer = normalizer(r.readMessage(name + ": normalizer_spec"));
        }
        default -> r.skip(tag);
      }
    }
    if (pieces.isEmpty()) {
      throw new TokenizerException(name + ": no pieces: not a SentencePiece model");
    }
    if (!trainerSpec) {
      // SentencePiece writes the pieces first: a file cut after them would otherwise read as a
      // UNIGRAM model
      throw new TokenizerException(
          name
              + ": no trainer_spec after its "
              + pieces.size()
              + " pieces: the file is "
              + "truncated (or not a SentencePiece model)");
    }
    return new SentencePieceModel(pieces, modelType, byteFallback, suffix, unkSurface, normalizer);
  }

  /**
   * {@return this model with the normaliser's dummy prefix switched off, as Hugging Face's
   * non-legacy {@code LlamaTokenizer} loads {@code tokenizer.model}}
   */
  SentencePieceModel withoutDummyPrefix() {
    NormalizerSpec n = normalizer;
    return new SentencePieceModel(
        pieces,
        modelType,
        byteFallback,
        treatWhitespaceAsSuffix,
        unkSurface,
        new NormalizerSpec(
            n.name(), n.charsmapBytes(), false, n.removeExtraWhitespaces(), n.escapeWhitespaces()));
  }

  private static Piece piece(ProtoReader r) {
    String text = null;
    float score = 0f;
    PieceType type = PieceType.NORMAL;
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          r.expect(tag, ProtoReader.LENGTH_DELIMITED, "piece");
          text = r.readString();
        }
        case 2 -> {
          r.expect(tag, ProtoReader.FIXED32, "score");
          score = r.readFloat();
        }
        case 3 -> type = PieceType.of(r.readVarint(), r.where());
        default -> r.skip(tag);
      }
    }
    if (text == null || text.isEmpty()) {
      throw new TokenizerException(r.where() + ": empty piece text");
    }
    return new Piece(text, score, type);
  }

  private static NormalizerSpec normalizer(ProtoReader r) {
    NormalizerSpec d = NormalizerSpec.defaults();
    String name = d.name();
    int charsmap = 0;
    boolean dummy = d.addDummyPrefix();
    boolean removeExtra = d.removeExtraWhitespaces();
    boolean escape = d.escapeWhitespaces();
    while (r.hasMore()) {
      int tag = r.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> name = r.readString();
        case 2 -> charsmap = r.readBytes().length;
        case 3 -> dummy = r.readVarint() != 0;
        case 4 -> removeExtra = r.readVarint() != 0;
        case 5 -> escape = r.readVarint() != 0;
        default -> r.skip(tag);
      }
    }
    return new NormalizerSpec(name, charsmap, dummy, removeExtra, escape);
  }

  private static String modelType(long n, String name) {
    if (n < 1 || n > MODEL_TYPES.length) {
      throw new TokenizerException(name + ": trainer_spec.model_type " + n + " is unknown");
    }
    return MODEL_TYPES[(int) n - 1];
  }
}
