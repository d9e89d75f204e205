package io.lntune.training.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.training.loop.StepMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarListenerTest {
  private static StepMetrics step(long n) {
    return new StepMetrics(
        n, 20, 2.5 - n * 0.1, 1e-3, 0.8, 100, 2000, 50, 0, n * 50, false, Map.of());
  }

  @Test
  void terminalRedrawsOneLineWithABarAndEta() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBarListener bar =
        new ProgressBarListener(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 10);
    bar.onStart(1, 20, 10, 100);
    bar.onStep(step(10));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith(
            "\r[############------------] step 10/20  loss 1.5000  lr 1.00e-03  2000 tok/s  eta 0m00s")
        .doesNotContain("\n");
  }

  @Test
  void elsewherePrintsPlainLinesEveryNSteps() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBarListener plain =
        new ProgressBarListener(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 10);
    plain.onStart(1, 20, 10, 100);
    for (long n = 1; n <= 20; n++) {
      plain.onStep(step(n));
    }
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(3); // the first, the 10th, the last
    assertThat(lines[2])
        .startsWith("step 20/20  loss 0.5000")
        .doesNotContain("[")
        .doesNotContain("\r");
  }
}
