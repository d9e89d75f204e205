package io.lntune.tools;

import io.lntune.training.checkpoint.AtomicDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The output directory of an analysis: new, empty, or an earlier run of the same analysis
 * (recognised by its {@code marker} file), which is replaced as a whole once the new one is
 * complete.
 *
 * <pre>{@code
 * AnalysisOutput.check(out, "similarity.json");
 * AnalysisOutput.write(out, dir -> report.write(dir));
 * }</pre>
 */
final class AnalysisOutput {
  /** Writes an analysis's files into a directory that exists. */
  @FunctionalInterface
  interface Writer {
    void write(Path dir) throws IOException;
  }

  private AnalysisOutput() {}

  /**
   * Refuses an {@code --out} that is a file, or a directory of other files.
   *
   * @throws IllegalArgumentException naming the directory and what it holds
   */
  static void check(Path out, String marker) {
    if (!Files.isDirectory(out)) {
      if (Files.exists(out)) {
        throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
      }
      return;
    }
    try (Stream<Path> files = Files.list(out)) {
      if (files.findAny().isPresent() && !Files.isRegularFile(out.resolve(marker))) {
        throw new IllegalArgumentException(
            "--out "
                + out
                + " holds other files and no "
                + marker
                + ": it would be "
                + "replaced; name a new directory");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + out, e);
    }
  }

  /**
   * Writes into a fresh directory beside {@code out}, then puts it in place of {@code out}; if
   * writing fails, the fresh directory is deleted and {@code out} is left as it was.
   *
   * @throws UncheckedIOException naming {@code out} if a file cannot be written
   */
  static void write(Path out, Writer writer) {
    try {
      Path tmp = AtomicDirectory.begin(out);
      try {
        writer.write(tmp);
      } catch (IOException | RuntimeException e) {
        AtomicDirectory.delete(tmp);
        throw e;
      }
      AtomicDirectory.commit(tmp, out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + out, e);
    }
  }
}
