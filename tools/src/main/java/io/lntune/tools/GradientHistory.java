package io.lntune.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.LntuneException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One run's gradient statistics as its {@code metrics.jsonl} holds them: the steps whose line has a
 * {@code gradients} object, for one optimizer group. A resumed run repeats steps; the last line of
 * a step wins.
 *
 * <pre>{@code
 * GradientHistory h = GradientHistory.read("layernorm", Path.of("runs/ln"), "all");
 * h.meanVariance();
 * }</pre>
 *
 * @param label the run's name in charts and tables
 * @param points the measured steps, in step order
 */
record GradientHistory(String label, List<Point> points) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One measured step.
   *
   * @param step the optimizer step
   * @param norm the group's gradient norm
   * @param variance the group's gradient variance across micro-batches, per element; NaN when not
   *     measured
   */
  record Point(long step, double norm, double variance) {}

  /**
   * Reads {@code group}'s statistics from {@code runDir/metrics.jsonl}.
   *
   * @throws LntuneException if the file is missing, a line is not JSON, or no step of {@code group}
   *     was measured
   */
  static GradientHistory read(String label, Path runDir, String group) {
    Path file = runDir.resolve("metrics.jsonl");
    if (!Files.isRegularFile(file)) {
      throw new LntuneException(
          file + " does not exist: give the output directory of a training run");
    }
    TreeMap<Long, Point> byStep = new TreeMap<>();
    List<String> groups = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNumber = 0;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          throw new LntuneException(
              file + ":" + lineNumber + ": not a JSON object: " + e.getMessage(), e);
        }
        JsonNode gradients = n.path("gradients");
        if (!"step".equals(n.path("type").asText()) || !gradients.isObject()) {
          continue;
        }
        gradients
            .fieldNames()
            .forEachRemaining(
                g -> {
                  if (!groups.contains(g)) {
                    groups.add(g);
                  }
                });
        JsonNode g = gradients.path(group);
        if (g.isObject()) {
          long step = n.path("step").asLong();
          byStep.put(step, new Point(step, number(g.path("norm")), number(g.path("variance"))));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
    if (byStep.isEmpty()) {
      throw new LntuneException(
          file
              + " has no gradient statistics"
              + (groups.isEmpty()
                  ? ": train with gradient statistics on (lntune train --gradient-stats-every K)"
                  : " for group '" + group + "'; it has " + groups));
    }
    return new GradientHistory(label, List.copyOf(byStep.values()));
  }

  /** JSON has no NaN: the trainer writes null for a variance that was not measured. */
  private static double number(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  /** {@return the mean variance over the measured steps that have one; NaN if none has} */
  double meanVariance() {
    return points.stream()
        .mapToDouble(Point::variance)
        .filter(v -> !Double.isNaN(v))
        .average()
        .orElse(Double.NaN);
  }

  /** {@return the mean gradient norm over the measured steps} */
  double meanNorm() {
    return points.stream().mapToDouble(Point::norm).average().orElse(Double.NaN);
  }
}
