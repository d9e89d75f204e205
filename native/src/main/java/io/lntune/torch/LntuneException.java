package io.lntune.torch;

/**
 * Base of every domain failure lntune reports: a bad file, a checkpoint that does not fit the
 * model, a libtorch error. Unchecked, and its message always names what was wrong and where.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(path)) {
 *   ...
 * } catch (LntuneException e) {
 *   System.err.println("lntune: " + e.getMessage());   // e.g. "model.safetensors: tensor 'lm_head.weight' ..."
 * }
 * }</pre>
 */
public class LntuneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LntuneException(String message) {
    super(message);
  }

  public LntuneException(String message, Throwable cause) {
    super(message, cause);
  }
}
