package io.lntune.torch.safetensors;

import io.lntune.torch.LntuneException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A safetensors file or checkpoint index is malformed, missing or unreadable. The message starts with
 * the file and names the tensor where one is involved, e.g.
 * {@code model.safetensors: tensor 'lm_head.weight' has data_offsets [0, 96] but shape [4, 8] of F32 needs 128 bytes}.
 */
public class SafetensorsException extends LntuneException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  public SafetensorsException(Path file, String message) {
    this(file, null, message, null);
  }

  public SafetensorsException(Path file, String tensor, String message) {
    this(file, tensor, message, null);
  }

  public SafetensorsException(Path file, String tensor, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
    this.tensor = tensor;
  }

  /** {@return the file at fault} */
  public Path file() {
    return file;
  }

  /** {@return the tensor at fault, when there is one} */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }
}
