package io.lntune.training.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a directory all at once: its content goes into a hidden sibling, which is renamed into place when complete
 * (an older directory of that name is moved aside first, then deleted). A crash leaves the old directory or the new
 * one, and at most a hidden leftover that readers ignore.
 *
 * <pre>{@code
 * Path tmp = AtomicDirectory.begin(target);
 * ... write files into tmp ...
 * AtomicDirectory.commit(tmp, target);
 * }</pre>
 */
public final class AtomicDirectory {
  private AtomicDirectory() {}

  /** {@return a new hidden directory next to {@code target} to write into} */
  public static Path begin(Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
  }

  /** Renames {@code tmp} to {@code target}, replacing an older {@code target}. */
  public static void commit(Path tmp, Path target) throws IOException {
    Path old = null;
    if (Files.exists(target)) {
      old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    if (old != null) {
      delete(old);
    }
  }

  /** Deletes {@code root} and everything under it. */
  public static void delete(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
