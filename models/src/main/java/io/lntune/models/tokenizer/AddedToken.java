package io.lntune.models.tokenizer;

import java.util.Objects;

/**
 * A token matched whole in the text before SentencePiece runs, as Hugging Face's added tokens are:
 * the special tokens {@code <s>}, {@code </s>}, {@code <unk>} of the base vocabulary, and tokens
 * added beyond it such as {@code <image>}, {@code <im_start>}, {@code <im_end>} or {@code [PAD]},
 * which need new embedding rows.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(dir).withAddedTokens(List.of("<im_start>", "<im_end>"), true);
 * tok.addedTokens();   // [AddedToken[content=<im_start>, id=32000, ...], AddedToken[content=<im_end>, id=32001, ...]]
 * }</pre>
 *
 * @param content the exact text of the token
 * @param id its id
 * @param special whether it is a special token (Hugging Face's {@code special})
 * @param lstrip whether it swallows the whitespace on its left
 * @param rstrip whether it swallows the whitespace on its right
 */
public record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip) {
  public AddedToken {
    Objects.requireNonNull(content, "content");
    if (content.isEmpty()) {
      throw new IllegalArgumentException("an added token must not be empty");
    }
    if (id < 0) {
      throw new IllegalArgumentException("added token '" + content + "' has negative id " + id);
    }
  }
}
