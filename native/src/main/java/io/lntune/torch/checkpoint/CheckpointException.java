package io.lntune.torch.checkpoint;

import io.lntune.torch.LntuneException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint file, directory or index is malformed, missing, unreadable or unsafe. The message
 * starts with the file and names the tensor where one is involved, e.g. {@code pytorch_model.bin:
 * storage '3' of tensor 'lm_head.weight' has no record data/3 in the archive}.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(dir)) {
 *   ...
 * } catch (CheckpointException e) {
 *   System.err.println(e.file() + " " + e.tensor().orElse("") + ": " + e.getMessage());
 * }
 * }</pre>
 */
public class CheckpointException extends LntuneException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  /** A failure of {@code file} as a whole. */
  public CheckpointException(Path file, String message) {
    this(file, null, message, null);
  }

  /** A failure of {@code tensor} in {@code file}. */
  public CheckpointException(Path file, String tensor, String message) {
    this(file, tensor, message, null);
  }

  /** A failure of {@code file} (and {@code tensor}, if not null) caused by {@code cause}. */
  public CheckpointException(Path file, String tensor, String message, Throwable cause) {
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
