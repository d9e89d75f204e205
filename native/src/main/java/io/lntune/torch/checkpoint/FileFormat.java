package io.lntune.torch.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How one checkpoint format names its files in a Hugging Face directory, how to open one, and which
 * exception its failures raise. {@link ShardedCheckpoint} does the rest.
 *
 * <pre>{@code
 * FileFormat<SafetensorsFile> f = new FileFormat<>(List.of(".safetensors"), "model.safetensors",
 *     "model.safetensors.index.json", SafetensorsFile::open, SafetensorsException::new, ".bin", "convert them");
 * }</pre>
 *
 * @param <F> the file type
 * @param suffixes the file name endings of single files, the first one the format's own (e.g.
 *     {@code .bin}, then {@code .pt}); index files end in the first suffix plus {@code .index.json}
 * @param defaultFile the single file a directory holds, e.g. {@code pytorch_model.bin}
 * @param defaultIndex the index of a sharded directory, e.g. {@code pytorch_model.bin.index.json}
 * @param opener opens and validates one file
 * @param errors makes this format's exception
 * @param otherSuffix the other format's ending, mentioned when a directory holds only such files
 * @param otherHint what to do with them, e.g. {@code convert them to safetensors first}
 */
public record FileFormat<F extends TensorFile>(
    List<String> suffixes,
    String defaultFile,
    String defaultIndex,
    Function<Path, F> opener,
    Errors errors,
    String otherSuffix,
    String otherHint) {

  /** Makes a format's exception: {@code (file, tensor or null, message, cause or null)}. */
  @FunctionalInterface
  public interface Errors {
    /** {@return the exception for {@code message} about {@code file} and {@code tensor}} */
    CheckpointException create(Path file, String tensor, String message, Throwable cause);
  }

  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException if there is no suffix
   */
  public FileFormat {
    suffixes = List.copyOf(suffixes);
    if (suffixes.isEmpty()) {
      throw new IllegalArgumentException("a format needs at least one file suffix");
    }
    Objects.requireNonNull(opener, "opener");
    Objects.requireNonNull(errors, "errors");
  }

  /** {@return the ending of single files, e.g. {@code .safetensors}} */
  public String suffix() {
    return suffixes.get(0);
  }

  /** {@return the ending of index files, e.g. {@code .safetensors.index.json}} */
  public String indexSuffix() {
    return suffix() + ".index.json";
  }

  /**
   * {@return whether {@code file}'s name ends in one of this format's suffixes or its index suffix}
   */
  public boolean matches(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(indexSuffix()) || suffixes.stream().anyMatch(name::endsWith);
  }

  CheckpointException error(Path file, String message) {
    return errors.create(file, null, message, null);
  }

  CheckpointException error(Path file, String tensor, String message) {
    return errors.create(file, tensor, message, null);
  }
}
