package io.lntune.models.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A LLaMA-family tokenizer as Hugging Face's slow {@code LlamaTokenizer} uses it: the text is first
 * split on added and special tokens (longest match, honouring their {@code lstrip}/{@code rstrip}),
 * every other piece is encoded by SentencePiece, and BOS/EOS are added as {@code
 * tokenizer_config.json} says. A legacy tokenizer (the default) gives every piece its own dummy
 * prefix ({@link SentencePieceBpe}); one whose config sets {@code legacy: false} puts a single
 * {@code ▁} in front of the whole text and none after special tokens (Hugging Face's {@code
 * legacy=False} mode), as Vicuna v1.5, LLaVA-1.5 and llava-hf tokenizers do.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(Path.of("/models/vicuna-7b-v1.5"));   // directory or tokenizer.model
 * int[] ids = tok.encodeForModel("Hello world</s>");                   // [1, 15043, 3186, 2]
 * tok.decode(ids);                                                     // "Hello world"
 * Tokenizer v0 = tok.withPadToken("[PAD]");                            // adds id 32000
 * v0.vocabSize();                                                      // 32001: the embedding needs one more row
 * }</pre>
 *
 * <p>Immutable and thread-safe; the {@code with...} methods return new tokenizers.
 */
public final class Tokenizer {
  private final SentencePieceBpe sp;
  private final Map<String, AddedToken> added;
  private final PrefixMatcher matcher;
  private final SpecialTokens special;
  private final OptionalInt modelMaxLength;
  private final Set<String> extraSpecials;
  private final NonLegacyText nonLegacy;
  private final Set<String> allSpecials;

  /**
   * @param extraSpecials special tokens beyond BOS/EOS/UNK/PAD ({@code additional_special_tokens},
   *     and tokens added as special later)
   * @param nonLegacy the non-legacy encoder, or null for a legacy tokenizer
   */
  Tokenizer(
      SentencePieceBpe sp,
      Collection<AddedToken> added,
      SpecialTokens special,
      OptionalInt modelMaxLength,
      Set<String> extraSpecials,
      NonLegacyText nonLegacy) {
    this.sp = sp;
    this.added = new LinkedHashMap<>();
    added.forEach(t -> this.added.put(t.content(), t));
    this.matcher = new PrefixMatcher(this.added.keySet());
    this.special = special;
    this.modelMaxLength = modelMaxLength;
    this.extraSpecials = Set.copyOf(extraSpecials);
    this.nonLegacy = nonLegacy;
    Set<String> all = new HashSet<>(extraSpecials);
    for (int id : new int[] {special.bos(), special.eos(), special.unk(), special.pad()}) {
      if (id >= 0 && id < vocabSize()) {
        all.add(id < sp.size() ? sp.idToPiece(id) : contentOf(id));
      }
    }
    this.allSpecials = Set.copyOf(all);
  }

  /**
   * Loads a tokenizer from a Hugging Face model directory ({@code tokenizer.model} plus the
   * optional {@code tokenizer_config.json}, {@code special_tokens_map.json} and {@code
   * added_tokens.json}) or from a bare {@code tokenizer.model}.
   *
   * @throws TokenizerException naming the file and field when a file is missing or malformed
   */
  public static Tokenizer load(Path fileOrDirectory) {
    return TokenizerFiles.load(fileOrDirectory);
  }

  /**
   * {@return a tokenizer over {@code sp} with SentencePiece's own special pieces, adding BOS and no
   * EOS}
   */
  public static Tokenizer of(SentencePieceBpe sp) {
    return TokenizerFiles.withDefaults(sp);
  }

  /** {@return the SentencePiece encoder below the added-token split} */
  public SentencePieceBpe sentencePiece() {
    return sp;
  }

  /** {@return the special token ids and the BOS/EOS policy} */
  public SpecialTokens specialTokens() {
    return special;
  }

  /**
   * {@return whether text after a special token gets its own dummy prefix ({@code legacy}, Hugging
   * Face's default)}
   */
  public boolean isLegacy() {
    return nonLegacy == null;
  }

  /**
   * {@return {@code model_max_length} from {@code tokenizer_config.json}, when it gives a usable
   * one}
   */
  public OptionalInt modelMaxLength() {
    return modelMaxLength;
  }

  /** {@return the number of pieces in {@code tokenizer.model}} */
  public int baseVocabSize() {
    return sp.size();
  }

  /**
   * {@return the number of embedding rows a model needs: the base vocabulary plus the tokens added
   * beyond it}
   */
  public int vocabSize() {
    return sp.size() + addedTokens().size();
  }

  /**
   * {@return the tokens with ids beyond the base vocabulary, in id order: each needs a new
   * embedding row}
   */
  public List<AddedToken> addedTokens() {
    return added.values().stream()
        .filter(t -> t.id() >= sp.size())
        .sorted((a, b) -> Integer.compare(a.id(), b.id()))
        .toList();
  }

  /**
   * {@return every token matched whole in the text, special tokens of the base vocabulary included}
   */
  public List<AddedToken> splitTokens() {
    return List.copyOf(added.values());
  }

  /** {@return the id of an added or special token, or of a base piece with exactly this text} */
  public OptionalInt tokenId(String content) {
    AddedToken t = added.get(content);
    if (t != null) {
      return OptionalInt.of(t.id());
    }
    int id = sp.pieceToId(content);
    return id != sp.unkId() || content.equals(sp.idToPiece(id))
        ? OptionalInt.of(id)
        : OptionalInt.empty();
  }

  /**
   * Adds tokens that are matched whole in text from now on; a token already known keeps its id, a
   * new one gets the next id beyond the vocabulary (as Hugging Face's {@code add_tokens}).
   *
   * @param special whether the new tokens are special tokens
   * @return the new tokenizer
   */
  public Tokenizer withAddedTokens(Collection<String> contents, boolean special) {
    List<AddedToken> all = new ArrayList<>(added.values());
    Set<String> specials = new HashSet<>(extraSpecials);
    int next = vocabSize();
    for (String c : contents) {
      if (!added.containsKey(c) && all.stream().noneMatch(t -> t.content().equals(c))) {
        OptionalInt base = tokenId(c);
        all.add(
            new AddedToken(c, base.isPresent() ? base.getAsInt() : next++, special, false, false));
        if (special) {
          specials.add(
              c); // Hugging Face lists tokens added as special among additional_special_tokens
        }
      }
    }
    return new Tokenizer(sp, all, this.special, modelMaxLength, specials, nonLegacy);
  }

  /**
   * Sets the padding token, adding it when it is new: LLaVA pads with {@code <unk>} for its v1
   * templates and adds {@code [PAD]} (a new embedding row) for v0.
   */
  public Tokenizer withPadToken(String content) {
    Tokenizer t = withAddedTokens(List.of(content), true);
    return new Tokenizer(
        sp,
        t.added.values(),
        special.withPad(t.tokenId(content).orElseThrow()),
        modelMaxLength,
        t.extraSpecials,
        nonLegacy);
  }

  /**
   * {@return this tokenizer padding with the token of {@code id}} (a model's {@code pad_token_id})
   *
   * @throws TokenizerException if {@code id} is outside the vocabulary
   */
  public Tokenizer withPadId(int id) {
    if (id < 0 || id >= vocabSize()) {
      throw new TokenizerException(
          "pad id " + id + " is outside the vocabulary of " + vocabSize() + " tokens");
    }
    return new Tokenizer(
        sp, added.values(), special.withPad(id), modelMaxLength, extraSpecials, nonLegacy);
  }

  /** {@return the ids of {@code text}, with no BOS or EOS} */
  public int[] encode(String text) {
    boolean prefixed = nonLegacy != null && !text.isEmpty();
    List<Object> parts = split(prefixed ? nonLegacy.prefixed(text) : text);
    IntList ids = new IntList(text.length() / 3 + 1);
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) instanceof AddedToken t) {
        ids.add(t.id());
        continue;
      }
      int[] piece =
          prefixed ? nonLegacy.encode((String) parts.get(i)) : sp.encode((String) parts.get(i));
      // Hugging Face drops the prefix again when the text starts with a special token.
      boolean loneSpace =
          prefixed
              && i == 0
              && parts.size() > 1
              && parts.get(1) instanceof AddedToken next
              && allSpecials.contains(next.content())
              && nonLegacy.isLoneSpace(piece);
      if (!loneSpace) {
        ids.addAll(piece);
      }
    }
    return ids.toArray();
  }

  /**
   * {@return the ids of {@code text} with BOS and EOS as the tokenizer's config asks: Hugging
   * Face's {@code tokenizer(text).input_ids}}
   */
  public int[] encodeForModel(String text) {
    int[] body = encode(text);
    IntList ids = new IntList(body.length + 2);
    if (special.addBos()) {
      ids.add(special.bos());
    }
    ids.addAll(body);
    if (special.addEos()) {
      ids.add(special.eos());
    }
    return ids.toArray();
  }

  /**
   * {@return the text of {@code ids}}: runs of base ids decode as SentencePiece does (control
   * pieces such as BOS and EOS vanish), tokens added beyond the base vocabulary decode to their
   * content.
   *
   * @throws TokenizerException if an id is outside the vocabulary
   */
  public String decode(int[] ids) {
    StringBuilder text = new StringBuilder();
    int runStart = 0;
    for (int i = 0; i <= ids.length; i++) {
      if (i == ids.length || ids[i] >= sp.size()) {
        text.append(sp.decode(Arrays.copyOfRange(ids, runStart, i)));
        if (i < ids.length) {
          text.append(contentOf(ids[i]));
        }
        runStart = i + 1;
      }
    }
    return text.toString();
  }

  private String contentOf(int id) {
    return added.values().stream()
        .filter(t -> t.id() == id)
        .map(AddedToken::content)
        .findFirst()
        .orElseThrow(
            () ->
                new TokenizerException(
                    "id "
                        + id
                        + " is outside the vocabulary of "
                        + vocabSize()
                        + " tokens ("
                        + sp.size()
                        + " pieces and "
                        + addedTokens().size()
                        + " added tokens)"));
  }

  /**
   * Hugging Face's added-token split: text pieces (Strings) and matched tokens, with lstrip/rstrip
   * applied.
   */
  private List<Object> split(String text) {
    List<Object> parts = new ArrayList<>();
    int pieceStart = 0;
    boolean stripNext = false;
    for (int pos = 0; pos < text.length(); ) {
      int n = matcher.isEmpty() ? 0 : matcher.match(text, pos);
      if (n == 0) {
        pos++;
        continue;
      }
      AddedToken t = added.get(text.substring(pos, pos + n));
      addText(parts, text.substring(pieceStart, pos), stripNext, t.lstrip());
      parts.add(t);
      stripNext = t.rstrip();
      pos += n;
      pieceStart = pos;
    }
    addText(parts, text.substring(pieceStart), stripNext, false);
    return parts;
  }

  private static void addText(List<Object> parts, String s, boolean stripLeft, boolean stripRight) {
    String t = stripLeft ? s.stripLeading() : s;
    t = stripRight ? t.stripTrailing() : t;
    if (!t.isEmpty()) {
      parts.add(t);
    }
  }
}
