package io.lntune.models.tokenizer;

import io.lntune.torch.LntuneException;

/**
 * A tokenizer file that cannot be read or used: a malformed {@code tokenizer.model}, an unsupported
 * SentencePiece setting, a bad {@code tokenizer_config.json}, or an id outside the vocabulary. The
 * message names the file and the field.
 *
 * <pre>{@code
 * try {
 *   Tokenizer tok = Tokenizer.load(Path.of("/models/vicuna-7b-v1.5"));
 * } catch (TokenizerException e) {
 *   System.err.println(e.getMessage());   // e.g. "tokenizer.model: model_type UNIGRAM is not supported ..."
 * }
 * }</pre>
 */
public class TokenizerException extends LntuneException {
  private static final long serialVersionUID = 1L;

  public TokenizerException(String message) {
    super(message);
  }

  public TokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
