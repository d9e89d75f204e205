package io.lntune.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion and captures its output. */
final class Processes {
  /** The exit status and the combined standard output and error of a finished process. */
  record Result(int exitCode, String output) {}

  private Processes() {}

  /** The repository root (failsafe runs in the module's directory). */
  static Path repositoryRoot() {
    return Path.of("").toAbsolutePath().getParent();
  }

  static Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(repositoryRoot().toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(command + " ran past " + timeoutSeconds + " s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** {@return the {@code java} launcher of the running JVM} */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
