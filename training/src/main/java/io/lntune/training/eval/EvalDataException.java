package io.lntune.training.eval;

import io.lntune.torch.LntuneException;

/**
 * A benchmark file that cannot be used: the message names the file and the line or field that is
 * wrong.
 */
public final class EvalDataException extends LntuneException {
  public EvalDataException(String message) {
    super(message);
  }

  public EvalDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
