package io.lntune.models.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Encodes and decodes text exactly as Google's SentencePiece does with a BPE model (as LLaMA's
 * {@code tokenizer.model} is): the normaliser spec's dummy prefix and whitespace rules, then BPE
 * that repeatedly merges the adjacent pair whose merged piece has the highest score (the leftmost
 * pair on a tie), unused pieces split back into their parts, byte fallback ({@code <0xNN>}) or
 * {@code <unk>} for characters outside the vocabulary. Follows {@code bpe_model.cc} and {@code
 * sentencepiece_processor.cc}.
 *
 * <pre>{@code
 * SentencePieceBpe sp = SentencePieceBpe.of(SentencePieceModel.read(Path.of("tokenizer.model")));
 * int[] ids = sp.encode("Hello world");   // [15043, 3186] with LLaMA's model
 * sp.decode(ids);                         // "Hello world"
 * }</pre>
 *
 * <p>Immutable and thread-safe. Knows nothing of BOS/EOS insertion or added tokens; {@link
 * Tokenizer} does.
 */
public final class SentencePieceBpe {
  private final SentencePieceModel model;
  private final Vocabulary vocab;
  private final SentencePieceNormalizer normalizer;
  private final PrefixMatcher userDefined;
  private final SentencePieceDecoder decoder;

  private SentencePieceBpe(SentencePieceModel model, Vocabulary vocab) {
    this.model = model;
    this.vocab = vocab;
    this.userDefined = new PrefixMatcher(vocab.userDefined());
    this.normalizer = new SentencePieceNormalizer(model.normalizer(), userDefined);
    this.decoder = new SentencePieceDecoder(model, vocab);
  }

  /**
   * Checks that lntune can encode with {@code model} exactly as SentencePiece does.
   *
   * @param model a parsed model
   * @throws TokenizerException if the model is not BPE, uses a precompiled normalisation map or
   *     whitespace as suffix, or has an inconsistent vocabulary (no or two {@code <unk>}, duplicate
   *     or missing byte pieces)
   */
  public static SentencePieceBpe of(SentencePieceModel model) {
    if (!model.modelType().equals("BPE")) {
      throw new TokenizerException(
          "trainer_spec.model_type "
              + model.modelType()
              + " is not supported: lntune "
              + "encodes BPE SentencePiece models (as LLaMA's) only");
    }
    NormalizerSpec n = model.normalizer();
    if (n.charsmapBytes() > 0) {
      throw new TokenizerException(
          "normalizer_spec '"
              + n.name()
              + "' carries a precompiled character map ("
              + n.charsmapBytes()
              + " bytes): only models without one (rule 'identity', as LLaMA's) are supported");
    }
    if (model.treatWhitespaceAsSuffix()) {
      throw new TokenizerException("trainer_spec.treat_whitespace_as_suffix is set: not supported");
    }
    return new SentencePieceBpe(model, Vocabulary.of(model));
  }

  /** {@return the model this encoder was built from} */
  public SentencePieceModel model() {
    return model;
  }

  /** {@return the number of pieces; ids run from 0 to size - 1} */
  public int size() {
    return model.pieces().size();
  }

  /** {@return the id of {@code piece}, or the unknown id when there is no such piece} */
  public int pieceToId(String piece) {
    return vocab.pieceToId(piece);
  }

  /**
   * {@return the piece of {@code id}} @throws TokenizerException if {@code id} is outside the
   * vocabulary
   */
  public String idToPiece(int id) {
    return vocab.piece(id).text();
  }

  /** {@return the id of the unknown piece} */
  public int unkId() {
    return vocab.unkId();
  }

  /** {@return the ids SentencePiece gives {@code text}, with no BOS or EOS} */
  public int[] encode(String text) {
    String normalized = normalizer.normalize(text);
    List<String> pieces = bpe(normalized);
    IntList ids = new IntList(pieces.size());
    boolean prevUnk = false;
    for (String w : pieces) {
      int id = vocab.pieceToId(w);
      boolean unk = id == vocab.unkId();
      if (unk && model.byteFallback()) {
        for (byte b : Utf8.bytes(w)) {
          ids.add(vocab.byteId(b & 0xff));
        }
      } else if (!(unk && prevUnk)) {
        ids.add(id); // a run of unknown pieces becomes one <unk>, as SentencePiece merges them
      }
      prevUnk = unk;
    }
    return ids.toArray();
  }

  /**
   * {@return the text of {@code ids}: pieces joined, {@code ▁} as spaces, bytes reassembled, no
   * dummy prefix}
   */
  public String decode(int[] ids) {
    return decoder.decode(ids);
  }

  private record Pair(int left, int right, float score, int size) {}

  /** SentencePiece's {@code bpe::Model::SampleEncode} without dropout. */
  private List<String> bpe(String normalized) {
    if (normalized.isEmpty()) {
      return List.of();
    }
    int length = normalized.length();
    int[] start = new int[length];
    int[] size = new int[length];
    int[] next = new int[length];
    int[] prev = new int[length];
    boolean[] freeze = new boolean[length];
    int n = 0;
    for (int pos = 0; pos < length; n++) {
      int matched = userDefined.isEmpty() ? 0 : userDefined.match(normalized, pos);
      freeze[n] = matched > 0;
      start[n] = pos;
      size[n] = matched > 0 ? matched : Character.charCount(normalized.codePointAt(pos));
      prev[n] = n - 1;
      pos += size[n];
      next[n] = pos < length ? n + 1 : -1;
    }
    PriorityQueue<Pair> agenda =
        new PriorityQueue<>(
            Math.max(1, n),
            (a, b) ->
                a.score != b.score
                    ? Float.compare(b.score, a.score)
                    : Integer.compare(a.left, b.left));
    Map<String, String[]> revMerge = new HashMap<>();
    Merger merger =
        (left, right) -> {
          if (left == -1 || right == -1 || freeze[left] || freeze[right]) {
            return;
          }
          String piece = normalized.substring(start[left], start[left] + size[left] + size[right]);
          int id = vocab.mergeableId(piece);
          if (id < 0) {
            return;
          }
          agenda.add(new Pair(left, right, vocab.piece(id).score(), piece.length()));
          if (vocab.piece(id).type() == PieceType.UNUSED) {
            revMerge.put(
                piece,
                new String[] {
                  normalized.substring(start[left], start[left] + size[left]),
                  normalized.substring(start[right], start[right] + size[right])
                });
          }
        };
    for (int i = 1; i < n; i++) {
      merger.add(i - 1, i);
    }
    while (!agenda.isEmpty()) {
      Pair top = agenda.poll();
      if (size[top.left] == 0
          || size[top.right] == 0
          || size[top.left] + size[top.right] != top.size) {
        continue; // stale: one side was merged away since this pair was queued
      }
      size[top.left] += size[top.right];
      next[top.left] = next[top.right];
      if (next[top.right] >= 0) {
        prev[next[top.right]] = top.left;
      }
      size[top.right] = 0;
      merger.add(prev[top.left], top.left);
      merger.add(top.left, next[top.left]);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i != -1; i = next[i]) {
      resegment(normalized.substring(start[i], start[i] + size[i]), revMerge, out);
    }
    return out;
  }

  /** Splits a merged piece of type UNUSED back into the two pieces it was made of. */
  private void resegment(String piece, Map<String, String[]> revMerge, List<String> out) {
    int id = vocab.pieceToId(piece);
    String[] parts = vocab.piece(id).type() == PieceType.UNUSED ? revMerge.get(piece) : null;
    if (parts == null) {
      out.add(piece);
      return;
    }
    resegment(parts[0], revMerge, out);
    resegment(parts[1], revMerge, out);
  }

  @FunctionalInterface
  private interface Merger {
    void add(int left, int right);
  }
}
