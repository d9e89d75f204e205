package io.lntune.models.image;

import io.lntune.torch.LntuneException;
import java.nio.file.Path;

/** An image file cannot be read or decoded; the message names the file. */
public class ImageException extends LntuneException {
  private static final long serialVersionUID = 1L;

  public ImageException(Path file, String message) {
    super(file + ": " + message);
  }

  public ImageException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
  }
}
