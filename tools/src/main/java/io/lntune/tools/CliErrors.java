package io.lntune.tools;

import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Map;

/**
 * The CLI's one error path: every failure prints as {@code lntune: <what went wrong>}, naming the
 * file, field or option, with exit status {@value #USAGE} for a bad option or setting and {@value
 * #FAILURE} for a failure while running. The stack trace is shown only with {@code --verbose} or
 * {@code LNTUNE_VERBOSE=1}.
 *
 * <pre>{@code
 * cli.setExecutionExceptionHandler((e, cmd, parsed) -> CliErrors.report(e, cmd.getErr(), verbose));
 * }</pre>
 */
final class CliErrors {
  /** Exit status of a usage error: an option or setting that is not valid. */
  static final int USAGE = 2;

  /** Exit status of a failure while running: a bad file, a failed write, a diverged run. */
  static final int FAILURE = 1;

  private CliErrors() {}

  /** {@return whether {@code LNTUNE_VERBOSE} asks for stack traces} */
  static boolean verboseFromEnvironment(Map<String, String> env) {
    String v = env.getOrDefault("LNTUNE_VERBOSE", "");
    return !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  /**
   * Prints {@code e} as one or two lines (and its stack trace when {@code verbose}); {@return the
   * exit status}
   */
  static int report(Throwable e, PrintWriter err, boolean verbose) {
    int status = e instanceof IllegalArgumentException ? USAGE : FAILURE;
    err.println("lntune: " + describe(e));
    if (verbose) {
      e.printStackTrace(err);
    } else if (!expected(e)) {
      err.println(
          "lntune: this is a bug in lntune or an input it does not check; rerun with --verbose (or "
              + "LNTUNE_VERBOSE=1) for the stack trace");
    }
    err.flush();
    return status;
  }

  /** Failures whose message is written for the user; anything else is unexpected. */
  private static boolean expected(Throwable e) {
    return e instanceof LntuneException
        || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException
        || e instanceof UncheckedIOException
        || e instanceof IOException;
  }

  private static String describe(Throwable e) {
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return describe(u.getCause());
    }
    if (e instanceof FileSystemException f) {
      return fileSystem(f);
    }
    if (e instanceof OutOfMemoryError) {
      return "out of Java heap memory ("
          + e.getMessage()
          + "): raise it with LNTUNE_JAVA_OPTS=-Xmx<size>";
    }
    String message = e.getMessage() == null ? "" : firstLine(e.getMessage());
    if (!expected(e) || message.isEmpty()) {
      message = e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
    Throwable cause = e.getCause();
    if (cause != null
        && cause.getMessage() != null
        && !message.contains(firstLine(cause.getMessage()))) {
      message += " (" + firstLine(cause.getMessage()) + ")";
    }
    return message;
  }

  /**
   * {@return what a file-system failure was, in words} Their messages are often the bare path
   * ("/runs/x"), which names the file but not the problem.
   */
  private static String fileSystem(FileSystemException e) {
    String problem =
        e.getReason() != null
            ? e.getReason()
            : e instanceof AccessDeniedException
                ? "permission denied"
                : e instanceof FileAlreadyExistsException
                    ? "already exists (and is in the way)"
                    : e instanceof NoSuchFileException
                        ? "no such file or directory"
                        : e instanceof NotDirectoryException
                            ? "not a directory"
                            : e instanceof DirectoryNotEmptyException
                                ? "directory not empty"
                                : e.getClass().getSimpleName();
    return e.getFile()
        + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile())
        + ": "
        + problem;
  }

  /** libtorch's messages carry a C++ backtrace after their first line. */
  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
