package io.lntune.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads a Hugging Face tokenizer directory into a {@link Tokenizer}: {@code tokenizer.model}
 * (required), {@code tokenizer_config.json} ({@code add_bos_token}, {@code add_eos_token}, the
 * special tokens, {@code added_tokens_decoder}, {@code model_max_length}, {@code legacy}), {@code
 * special_tokens_map.json} (overrides the config's special tokens, as Hugging Face does) and {@code
 * added_tokens.json} (content to id).
 *
 * <pre>{@code
 * Tokenizer tok = TokenizerFiles.load(Path.of("/models/llava-v1.5-7b"));
 * }</pre>
 */
final class TokenizerFiles {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] SPECIAL_KEYS = {"bos_token", "eos_token", "unk_token", "pad_token"};

  private TokenizerFiles() {}

  /**
   * {@return the SentencePiece model in {@code file}} @throws TokenizerException naming {@code
   * file}
   */
  private static SentencePieceBpe sentencePiece(Path file) {
    try {
      return SentencePieceBpe.of(SentencePieceModel.read(file));
    } catch (TokenizerException e) {
      throw e.getMessage().startsWith(file.toString())
          ? e
          : new TokenizerException(file + ": " + e.getMessage(), e);
    }
  }

  static Tokenizer load(Path path) {
    if (!Files.isDirectory(path)) {
      if (!Files.isRegularFile(path)) {
        throw new TokenizerException(path + ": no such tokenizer file or directory");
      }
      return withDefaults(sentencePiece(path));
    }
    Path model = path.resolve("tokenizer.model");
    if (!Files.isRegularFile(model)) {
      throw new TokenizerException(
          path
              + ": no tokenizer.model (lntune reads SentencePiece models; "
              + "a tokenizer.json alone is not enough)");
    }
    SentencePieceBpe sp = sentencePiece(model);
    JsonNode config = readJson(path.resolve("tokenizer_config.json"));
    JsonNode map = readJson(path.resolve("special_tokens_map.json"));
    JsonNode addedIds = readJson(path.resolve("added_tokens.json"));

    Map<String, AddedToken> tokens = new LinkedHashMap<>();
    for (AddedToken t : baseSpecials(sp)) {
      tokens.put(t.content(), t);
    }
    Iterator<Map.Entry<String, JsonNode>> decoder = config.path("added_tokens_decoder").fields();
    while (decoder.hasNext()) {
      Map.Entry<String, JsonNode> e = decoder.next();
      String where = "tokenizer_config.json: added_tokens_decoder." + e.getKey();
      put(tokens, token(e.getValue(), parseId(e.getKey(), where), where), sp, where);
    }
    Iterator<Map.Entry<String, JsonNode>> ids = addedIds.fields();
    while (ids.hasNext()) {
      Map.Entry<String, JsonNode> e = ids.next();
      String where = "added_tokens.json: " + e.getKey();
      if (!e.getValue().canConvertToInt()) {
        throw new TokenizerException(where + ": id must be an integer, got " + e.getValue());
      }
      AddedToken known = tokens.get(e.getKey());
      if (known != null && known.id() != e.getValue().asInt()) {
        throw new TokenizerException(
            where
                + ": id "
                + e.getValue().asInt()
                + " contradicts id "
                + known.id()
                + " given to the same token before (tokenizer.model or tokenizer_config.json)");
      }
      put(
          tokens,
          known != null
              ? known
              : new AddedToken(e.getKey(), e.getValue().asInt(), false, false, false),
          sp,
          where);
    }
    Map<String, String> specialContent = new LinkedHashMap<>();
    List<String> additional = new ArrayList<>();
    for (JsonNode source : new JsonNode[] {config, map}) {
      String file = source == config ? "tokenizer_config.json" : "special_tokens_map.json";
      for (String key : SPECIAL_KEYS) {
        JsonNode v = source.get(key);
        if (v != null && !v.isNull()) {
          specialContent.put(key, content(v, file + ": " + key));
        }
      }
      for (JsonNode v : source.path("additional_special_tokens")) {
        additional.add(content(v, file + ": additional_special_tokens"));
      }
    }
    List<String> newSpecials = new ArrayList<>(additional);
    newSpecials.addAll(specialContent.values());
    checkContiguous(tokens, sp);
    SpecialTokens base = withDefaults(sp).specialTokens();
    NonLegacyText nonLegacy =
        isLegacy(config, path)
            ? null
            : NonLegacyText.of(
                sp, specialContent.getOrDefault("unk_token", sp.idToPiece(sp.unkId())));
    Tokenizer t =
        new Tokenizer(
                sp, tokens.values(), base, maxLength(config), Set.copyOf(additional), nonLegacy)
            .withAddedTokens(newSpecials, true);
    SpecialTokens special =
        new SpecialTokens(
            id(t, specialContent.get("bos_token"), base.bos()),
                id(t, specialContent.get("eos_token"), base.eos()),
            id(t, specialContent.get("unk_token"), base.unk()),
                id(t, specialContent.get("pad_token"), -1),
            config.path("add_bos_token").asBoolean(true),
                config.path("add_eos_token").asBoolean(false));
    return new Tokenizer(
        sp, t.splitTokens(), special, t.modelMaxLength(), Set.copyOf(additional), nonLegacy);
  }

  static Tokenizer withDefaults(SentencePieceBpe sp) {
    List<AddedToken> specials = baseSpecials(sp);
    SpecialTokens s =
        new SpecialTokens(idOf(sp, "<s>"), idOf(sp, "</s>"), sp.unkId(), -1, true, false);
    return new Tokenizer(sp, specials, s, OptionalInt.empty(), Set.of(), null);
  }

  /**
   * Hugging Face's {@code legacy}: true when absent or null (transformers warns and keeps the old
   * behaviour). The non-legacy tokenizer's {@code add_prefix_space: false} is refused rather than
   * half supported.
   */
  private static boolean isLegacy(JsonNode config, Path dir) {
    JsonNode legacy = config.path("legacy");
    if (legacy.isMissingNode() || legacy.isNull()) {
      return true;
    }
    if (!legacy.isBoolean()) {
      throw new TokenizerException(
          dir.resolve("tokenizer_config.json")
              + ": legacy must be true, false or null, got "
              + legacy);
    }
    if (!legacy.asBoolean()
        && config.path("add_prefix_space").isBoolean()
        && !config.get("add_prefix_space").asBoolean()) {
      throw new TokenizerException(
          dir.resolve("tokenizer_config.json")
              + ": add_prefix_space false with legacy "
              + "false is not supported (lntune puts the prefix space in front of the text, as the default true does)");
    }
    return legacy.asBoolean();
  }

  /** SentencePiece's control and unknown pieces, which Hugging Face never splits. */
  private static List<AddedToken> baseSpecials(SentencePieceBpe sp) {
    List<AddedToken> out = new ArrayList<>();
    List<Piece> pieces = sp.model().pieces();
    for (int id = 0; id < pieces.size(); id++) {
      PieceType type = pieces.get(id).type();
      if (type == PieceType.CONTROL || type == PieceType.UNKNOWN) {
        out.add(new AddedToken(pieces.get(id).text(), id, true, false, false));
      }
    }
    return out;
  }

  private static int idOf(SentencePieceBpe sp, String piece) {
    int id = sp.pieceToId(piece);
    return id == sp.unkId() && !piece.equals(sp.idToPiece(id)) ? -1 : id;
  }

  private static int id(Tokenizer t, String content, int fallback) {
    return content == null ? fallback : t.tokenId(content).orElse(fallback);
  }

  private static void put(
      Map<String, AddedToken> tokens, AddedToken t, SentencePieceBpe sp, String where) {
    if (t.id() < sp.size() && !t.content().equals(sp.idToPiece(t.id()))) {
      throw new TokenizerException(
          where
              + ": token '"
              + t.content()
              + "' has id "
              + t.id()
              + ", which is piece '"
              + sp.idToPiece(t.id())
              + "' in tokenizer.model");
    }
    if (t.id() >= sp.size() && sp.pieceToId(t.content()) != sp.unkId()) {
      throw new TokenizerException(
          where
              + ": token '"
              + t.content()
              + "' is already piece "
              + sp.pieceToId(t.content())
              + " of tokenizer.model but is given id "
              + t.id());
    }
    tokens.put(t.content(), t);
  }

  private static void checkContiguous(Map<String, AddedToken> tokens, SentencePieceBpe sp) {
    List<AddedToken> beyond =
        tokens.values().stream()
            .filter(t -> t.id() >= sp.size())
            .sorted((a, b) -> Integer.compare(a.id(), b.id()))
            .toList();
    for (int i = 0; i < beyond.size(); i++) {
      if (beyond.get(i).id() != sp.size() + i) {
        throw new TokenizerException(
            "added token '"
                + beyond.get(i).content()
                + "' has id "
                + beyond.get(i).id()
                + ": added tokens must take the ids right after the "
                + sp.size()
                + " pieces of tokenizer.model, "
                + "without gaps or repeats (expected "
                + (sp.size() + i)
                + ")");
      }
    }
  }

  private static AddedToken token(JsonNode v, int id, String where) {
    if (v.path("single_word").asBoolean(false)) {
      throw new TokenizerException(where + ": single_word tokens are not supported");
    }
    return new AddedToken(
        content(v, where),
        id,
        v.path("special").asBoolean(false),
        v.path("lstrip").asBoolean(false),
        v.path("rstrip").asBoolean(false));
  }

  private static String content(JsonNode v, String where) {
    JsonNode c = v.isObject() ? v.get("content") : v;
    if (c == null || !c.isTextual() || c.asText().isEmpty()) {
      throw new TokenizerException(
          where + ": expected a token string or an object with a 'content' string, got " + v);
    }
    return c.asText();
  }

  private static int parseId(String key, String where) {
    try {
      return Integer.parseInt(key);
    } catch (NumberFormatException e) {
      throw new TokenizerException(where + ": the key must be a token id", e);
    }
  }

  /**
   * Hugging Face writes 1e30 when a model sets no limit; only a length that fits an int means one.
   */
  private static OptionalInt maxLength(JsonNode config) {
    JsonNode m = config.get("model_max_length");
    return m != null && m.canConvertToInt() && m.asInt() > 0
        ? OptionalInt.of(m.asInt())
        : OptionalInt.empty();
  }

  private static JsonNode readJson(Path file) {
    if (!Files.isRegularFile(file)) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode node = JSON.readTree(file.toFile());
      if (node == null || !node.isObject()) {
        throw new TokenizerException(file + ": expected a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new TokenizerException(file + ": not valid JSON: " + e.getMessage(), e);
    }
  }
}
