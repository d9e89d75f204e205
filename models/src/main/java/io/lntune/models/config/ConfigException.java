package io.lntune.models.config;

import io.lntune.torch.LntuneException;
import java.nio.file.Path;

/**
 * A model configuration is missing, malformed or inconsistent; the message names the file and
 * field.
 */
public class ConfigException extends LntuneException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
  }
}
