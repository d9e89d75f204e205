package io.lntune.training.listener;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One JSON object per line in a metrics file: {@code {"type":"step","step":1,"loss":...}} for steps
 * and {@code {"type":"eval",...}} for evaluations. Appends, so a resumed run continues the same
 * file; each line is flushed as written.
 */
public final class JsonlMetricsListener implements TrainingListener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final Writer out;

  public JsonlMetricsListener(Path file) {
    this.file = file;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("opening metrics file " + file, e);
    }
  }

  @Override
  public void onStep(StepMetrics m) {
    ObjectNode n =
        JSON.createObjectNode()
            .put("type", "step")
            .put("step", m.step())
            .put("loss", m.loss())
            .put("lr", m.learningRate())
            .put("grad_norm", m.gradNorm())
            .put("tokens", m.tokens())
            .put("tokens_per_second", m.tokensPerSecond())
            .put("step_ms", m.stepMillis())
            .put("data_ms", m.dataMillis())
            .put("elapsed_ms", m.elapsedMillis())
            .put("skipped", m.skipped());
    if (!m.gradients().isEmpty()) {
      ObjectNode gradients = n.putObject("gradients");
      m.gradients()
          .forEach(
              (group, s) -> {
                ObjectNode g = gradients.putObject(group).put("norm", s.norm());
                if (Double.isNaN(s.variance())) {
                  g.putNull("variance"); // JSON has no NaN: fewer than two micro-batches
                } else {
                  g.put("variance", s.variance());
                }
                g.put("elements", s.elements()).put("micro_batches", s.microBatches());
              });
    }
    write(n);
  }

  @Override
  public void onEvaluate(long step, Map<String, Double> results) {
    ObjectNode n = JSON.createObjectNode().put("type", "eval").put("step", step);
    results.forEach(n::put);
    write(n);
  }

  private void write(ObjectNode n) {
    try {
      out.write(JSON.writeValueAsString(n));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing metrics file " + file, e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing metrics file " + file, e);
    }
  }
}
