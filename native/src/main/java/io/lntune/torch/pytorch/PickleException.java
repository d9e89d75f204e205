package io.lntune.torch.pytorch;

/**
 * A pickle is malformed or asks for something a state dict does not need; the reader adds the file.
 */
final class PickleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  PickleException(String message) {
    super(message);
  }
}
