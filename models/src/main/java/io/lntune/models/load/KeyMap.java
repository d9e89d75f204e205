package io.lntune.models.load;

import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * How a model's parameter names map onto a checkpoint's keys, and which checkpoint keys to ignore
 * (buffers such as {@code rotary_emb.inv_freq} that the model recomputes).
 *
 * <pre>{@code
 * KeyMap llama = KeyMap.identity().ignoring(".*\\.rotary_emb\\.inv_freq");
 * KeyMap hf = KeyMap.identity().withPrefix("language_model.");   // model.layers.0... -> language_model.model.layers.0...
 * }</pre>
 *
 * @param toCheckpoint maps a parameter name to its checkpoint key, or to {@code null} when the
 *     parameter is not in this checkpoint (it is loaded from another one)
 * @param ignored checkpoint keys that are neither loaded nor reported as unexpected
 */
public record KeyMap(UnaryOperator<String> toCheckpoint, Predicate<String> ignored) {
  public KeyMap {
    Objects.requireNonNull(toCheckpoint, "toCheckpoint");
    Objects.requireNonNull(ignored, "ignored");
  }

  /** {@return parameters named exactly as the checkpoint's keys, nothing ignored} */
  public static KeyMap identity() {
    return new KeyMap(UnaryOperator.identity(), key -> false);
  }

  /** {@return this map, then {@code prefix} in front of every key} */
  public KeyMap withPrefix(String prefix) {
    return map(key -> prefix + key);
  }

  /** {@return this map followed by {@code next} (which sees non-null keys only)} */
  public KeyMap map(UnaryOperator<String> next) {
    return new KeyMap(
        name -> {
          String key = toCheckpoint.apply(name);
          return key == null ? null : next.apply(key);
        },
        ignored);
  }

  /** {@return this map, also ignoring checkpoint keys that match {@code regex} entirely} */
  public KeyMap ignoring(String regex) {
    Predicate<String> matches = Pattern.compile(regex).asMatchPredicate();
    return new KeyMap(toCheckpoint, ignored.or(matches));
  }

  /**
   * {@return this map, taking the parameters that {@code elsewhere} selects from another
   * checkpoint}
   */
  public KeyMap excluding(Predicate<String> elsewhere) {
    return new KeyMap(name -> elsewhere.test(name) ? null : toCheckpoint.apply(name), ignored);
  }
}
