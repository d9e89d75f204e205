package io.lntune.torch.safetensors;

import io.lntune.torch.checkpoint.CheckpointException;
import java.nio.file.Path;

/**
 * A safetensors file or checkpoint index is malformed, missing or unreadable. The message starts
 * with the file and names the tensor where one is involved, e.g. {@code model.safetensors: tensor
 * 'lm_head.weight' has data_offsets [0, 96] but shape [4, 8] of F32 needs 128 bytes}.
 */
public class SafetensorsException extends CheckpointException {
  private static final long serialVersionUID = 1L;

  /** A failure of {@code file} as a whole. */
  public SafetensorsException(Path file, String message) {
    this(file, null, message, null);
  }

  /** A failure of {@code tensor} in {@code file}. */
  public SafetensorsException(Path file, String tensor, String message) {
    this(file, tensor, message, null);
  }

  /** A failure of {@code file} (and {@code tensor}, if not null) caused by {@code cause}. */
  public SafetensorsException(Path file, String tensor, String message, Throwable cause) {
    super(file, tensor, message, cause);
  }
}
