package io.lntune.tools.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The peer lntune is measured against: the bench's training step written in plain Python PyTorch
 * eager ({@code bench_step_eager.py}, shipped in this jar), run by a {@code python3} with torch in
 * a process of its own, in the same round-robin rounds as lntune's configurations.
 *
 * <pre>{@code
 * PythonBaseline python = PythonBaseline.find("python3").orElseThrow();
 * double ms = python.stepMillis(BenchSize.SMALL, "LAYERNORM", 3, 8, 2);
 * }</pre>
 */
final class PythonBaseline {
  /** The strategies the script implements, as lntune names them. */
  static final Set<String> STRATEGIES = Set.of("LAYERNORM", "LAYERNORM_SIMPLE", "LORA", "FULL");

  private static final String SCRIPT = "bench_step_eager.py";
  private static final long TIMEOUT_MINUTES = 30;

  private final String python;
  private final Path script;

  private PythonBaseline(String python, Path script) {
    this.python = python;
    this.script = script;
  }

  /**
   * {@return the baseline run by {@code python}, or empty (with the reason logged by the caller)
   * when it cannot import torch}
   */
  static Optional<PythonBaseline> find(String python) {
    try {
      Process p =
          new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        return Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty(); // no such interpreter
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    return Optional.of(new PythonBaseline(python, extractScript()));
  }

  /**
   * One run of the script.
   *
   * @param millis the median wall time of its timed steps
   * @param peakRssBytes the process's resident high-water mark
   */
  record Measurement(double millis, long peakRssBytes) {}

  /**
   * Runs the script once: {@code warmup} steps, then {@code steps} timed ones.
   *
   * @throws LntuneException naming the command and its output if the script fails
   */
  Measurement measure(BenchSize size, String strategy, int warmup, int steps, int threads)
      throws IOException, InterruptedException {
    List<String> command =
        List.of(
            python,
            script.toString(),
            "--size",
            size.name().toLowerCase(),
            "--strategy",
            strategy,
            "--warmup",
            Integer.toString(warmup),
            "--steps",
            Integer.toString(steps),
            "--threads",
            Integer.toString(threads));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    TrainingSpin.apply(builder.environment()); // the environment of lntune's training processes
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new LntuneException(String.join(" ", command) + " failed:\n" + output);
    }
    String last = output.strip().lines().reduce((a, b) -> b).orElse("");
    JsonNode result;
    try {
      result = new ObjectMapper().readTree(last);
    } catch (JsonProcessingException e) {
      result = MissingNode.getInstance();
    }
    if (!result.path("median_ms").isNumber() || !result.path("peak_rss_bytes").isNumber()) {
      throw new LntuneException(
          String.join(" ", command)
              + " printed no median_ms and peak_rss_bytes; its output:\n"
              + output);
    }
    return new Measurement(
        result.get("median_ms").asDouble(), result.get("peak_rss_bytes").asLong());
  }

  /** The script, out of this jar into a temporary file that goes when the JVM does. */
  private static Path extractScript() {
    try (InputStream in = PythonBaseline.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IllegalStateException(SCRIPT + " is missing from the lntune-tools jar");
      }
      Path file = Files.createTempFile("lntune-", "-" + SCRIPT);
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("extracting " + SCRIPT, e);
    }
  }

  /**
   * One strategy, lntune against Python eager, each the median of its rounds' medians.
   *
   * @param strategy the strategy
   * @param lntuneMillis lntune's step time
   * @param pythonMillis Python eager's step time
   * @param lntunePeakRssBytes the resident high-water mark of lntune's memory run (-1 without one)
   * @param pythonPeakRssBytes the median of the Python runs' resident high-water marks
   */
  record Row(
      String strategy,
      double lntuneMillis,
      double pythonMillis,
      long lntunePeakRssBytes,
      long pythonPeakRssBytes) {
    /** {@return lntune's step time over Python's: below 1 is faster} */
    @JsonProperty("ratio")
    double ratio() {
      return lntuneMillis / pythonMillis;
    }
  }
}
