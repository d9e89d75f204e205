package io.lntune.models.tokenizer;

/**
 * The text rules a SentencePiece model applies before BPE ({@code NormalizerSpec}). LLaMA's model
 * uses rule {@code identity}, adds the dummy prefix, keeps extra whitespace and escapes spaces as
 * {@code ▁}.
 *
 * <pre>{@code
 * NormalizerSpec n = SentencePieceModel.read(path).normalizer();
 * n.addDummyPrefix();   // true for LLaMA: "Hello" is encoded as "▁Hello"
 * }</pre>
 *
 * @param name the normalisation rule name ({@code identity}, {@code nmt_nfkc}, ...)
 * @param charsmapBytes the size of the precompiled character map; 0 when the rule maps nothing
 * @param addDummyPrefix whether a space is put in front of the text
 * @param removeExtraWhitespaces whether leading, trailing and repeated spaces are dropped
 * @param escapeWhitespaces whether spaces become {@code ▁} (U+2581)
 */
public record NormalizerSpec(
    String name,
    int charsmapBytes,
    boolean addDummyPrefix,
    boolean removeExtraWhitespaces,
    boolean escapeWhitespaces) {

  /** The protobuf defaults, for a model file that leaves the fields out. */
  static NormalizerSpec defaults() {
    return new NormalizerSpec("", 0, true, true, true);
  }
}
