package io.lntune.models.load;

/**
 * How weights are loaded. By default, weights stored in the model's dtype are mapped from the file
 * (no copy: a 13 GB checkpoint costs no memory of its own until read), and every loaded tensor is
 * checked for NaN and infinite values, so that a corrupt checkpoint fails at load instead of
 * producing all-NaN logits.
 *
 * <p>Mapped weights share the file's fate: a file truncated or replaced in place while a model uses
 * it ({@code cp new.safetensors model.safetensors}) makes the next read fail with SIGBUS, which
 * ends the JVM (Python's safetensors behaves the same). For weights on shared or changing storage,
 * copy them into memory instead.
 *
 * <p>The policy comes from system properties, so that the command line ({@code --load copy}, {@code
 * --no-weight-check}) and applications ({@code -Dlntune.load.copy=true}) set it without new
 * parameters on every loader: {@code lntune.load.copy} (default false) and {@code
 * lntune.load.checkFinite} (default true).
 *
 * <pre>{@code
 * System.setProperty(LoadPolicy.COPY, "true");        // weights on a network share that others may rewrite
 * LlavaModel model = LlavaModel.load(dir, placement);
 * }</pre>
 *
 * @param copy whether weights are copied into memory rather than mapped from the file
 * @param checkFinite whether every loaded tensor is checked for NaN and infinite values
 */
public record LoadPolicy(boolean copy, boolean checkFinite) {
  /** The system property that makes loaders copy weights into memory instead of mapping them. */
  public static final String COPY = "lntune.load.copy";

  /**
   * The system property that switches the check for NaN and infinite weights off ({@code false}).
   */
  public static final String CHECK_FINITE = "lntune.load.checkFinite";

  /** {@return the policy the system properties set now} */
  public static LoadPolicy current() {
    return new LoadPolicy(
        Boolean.parseBoolean(System.getProperty(COPY, "false")),
        Boolean.parseBoolean(System.getProperty(CHECK_FINITE, "true")));
  }
}
