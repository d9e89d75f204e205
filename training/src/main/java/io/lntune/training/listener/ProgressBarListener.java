package io.lntune.training.listener;

import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.TrainingListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress on the console: on a terminal, one line redrawn in place with a bar, step, loss,
 * learning rate, tokens/s and ETA; elsewhere (logs, CI) a plain line every {@code plainEvery}
 * steps. Turned off by the system property {@code lnt.progress=false}.
 *
 * <pre>{@code
 * new ProgressBarListener(System.err, System.console() != null, 10)
 * }</pre>
 */
public final class ProgressBarListener implements TrainingListener {
  private static final int WIDTH = 24;
  private final PrintStream out;
  private final boolean terminal;
  private final long plainEvery;
  private final boolean enabled = !"false".equals(System.getProperty("lnt.progress"));
  private long firstStep = 1;

  public ProgressBarListener(PrintStream out, boolean terminal, long plainEvery) {
    this.out = out;
    this.terminal = terminal;
    this.plainEvery = Math.max(1, plainEvery);
  }

  /** {@return a bar on standard error, redrawn when a console is attached} */
  public static ProgressBarListener console() {
    return new ProgressBarListener(System.err, System.console() != null, 10);
  }

  @Override
  public void onStart(long first, long total, long trainable, long all) {
    firstStep = first;
  }

  @Override
  public void onStep(StepMetrics m) {
    if (!enabled) {
      return;
    }
    String text = line(m);
    if (terminal) {
      out.print("\r" + text);
      if (m.step() == m.totalSteps()) {
        out.println();
      }
    } else if (m.step() % plainEvery == 0 || m.step() == m.totalSteps() || m.step() == firstStep) {
      out.println(text);
    }
    out.flush();
  }

  /** {@return the progress text for {@code m}} */
  String line(StepMetrics m) {
    int filled = (int) (WIDTH * m.step() / m.totalSteps());
    String bar = terminal ? "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " : "";
    return String.format(
        Locale.ROOT,
        "%sstep %d/%d  loss %.4f  lr %.2e  %.0f tok/s  eta %s%s",
        bar,
        m.step(),
        m.totalSteps(),
        m.loss(),
        m.learningRate(),
        m.tokensPerSecond(),
        format(m.etaMillis(firstStep)),
        m.skipped() ? "  (skipped: not finite)" : "");
  }

  private static String format(long millis) {
    Duration d = Duration.ofMillis(millis);
    return d.toHours() > 0
        ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
        : String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
  }
}
