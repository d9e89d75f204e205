package io.lntune.training.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a directory all at once: its content goes into a hidden sibling, which is renamed into
 * place when complete (an older directory of that name is moved aside first, then deleted). A crash
 * leaves the old directory or the new one, and at most a hidden leftover that readers ignore and
 * {@link #removeLeftovers} deletes. The directory gets the usual {@code rwxr-xr-x} rather than the
 * owner-only mode of a temporary directory.
 *
 * <pre>{@code
 * Path tmp = AtomicDirectory.begin(target);
 * ... write files into tmp ...
 * AtomicDirectory.commit(tmp, target);
 * }</pre>
 */
public final class AtomicDirectory {
  private static final Pattern LEFTOVER = Pattern.compile("\\..+\\.(tmp-.+|old-\\d+|[^.]+\\.tmp)");

  private AtomicDirectory() {}

  /** {@return a new hidden directory next to {@code target} to write into} */
  public static Path begin(Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
  }

  /** Renames {@code tmp} to {@code target}, replacing an older {@code target}. */
  public static void commit(Path tmp, Path target) throws IOException {
    if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
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

  /**
   * Deletes what interrupted atomic writes left in {@code dir}: hidden directories {@code
   * .NAME.tmp-*} and {@code .NAME.old-*} of this class, and hidden files {@code .NAME.*.tmp} of
   * {@code SafetensorsWriter}. For the start of a run, when no other writer works in {@code dir}.
   *
   * @param dir the directory to clean (a run's output directory); nothing happens if it does not
   *     exist
   * @return the paths removed
   * @throws IOException if a leftover cannot be listed or deleted
   */
  public static List<Path> removeLeftovers(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> removed = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p :
          s.filter(p -> LEFTOVER.matcher(p.getFileName().toString()).matches()).toList()) {
        delete(p);
        removed.add(p);
      }
    }
    return removed;
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
