package io.lntune.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes a small file all at once: into a hidden sibling ({@code .NAME.<random>.tmp}, a name a
 * rerun's clean-up recognises), then renamed over the target, so that a reader, a crash or a full
 * disk leaves the old file or the new one, never half of either. The file is as readable as its
 * siblings (not owner-only, as a JDK temporary file is).
 *
 * <pre>{@code
 * AtomicFiles.writeString(out.resolve("run.json"), json);
 * }</pre>
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes {@code text} as UTF-8 to {@code target}, creating its folder if needed.
   *
   * @param target the file to write or replace
   * @param text its new content
   * @throws UncheckedIOException naming {@code target} if it cannot be written; the old file is
   *     then untouched
   */
  public static void writeString(Path target, String text) {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code bytes} to {@code target}, creating its folder if needed.
   *
   * @param target the file to write or replace
   * @param bytes its new content
   * @throws UncheckedIOException naming {@code target} if it cannot be written; the old file is
   *     then untouched
   */
  public static void write(Path target, byte[] bytes) {
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      UncheckedIOException failure =
          new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
      try {
        Files.deleteIfExists(temp);
      } catch (IOException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
  }
}
