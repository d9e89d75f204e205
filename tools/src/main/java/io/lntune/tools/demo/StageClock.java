package io.lntune.tools.demo;

import com.sun.management.OperatingSystemMXBean;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The demo's wall time per stage: each stage's time is printed when it ends and kept for the
 * report, so that a run shows where its minutes went (the full demo must stay within ten minutes on
 * two cores).
 *
 * <pre>{@code
 * StageClock clock = new StageClock(console);
 * SyntheticWorld.Summary w = clock.time("synthetic world", () -> world.generate(dir));
 * clock.stages();   // [Stage[name=synthetic world, millis=9120]]
 * }</pre>
 *
 * <p>Not thread-safe: the demo runs its stages one after the other.
 */
final class StageClock {
  private static final OperatingSystemMXBean PROCESS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final PrintWriter console;
  private final List<DemoSetup.Stage> stages = new ArrayList<>();

  /** A clock that prints each stage's time to {@code console}. */
  StageClock(PrintWriter console) {
    this.console = Objects.requireNonNull(console, "console");
  }

  /** {@return what {@code work} returns}, after recording and printing its wall time */
  <T> T time(String name, Supplier<T> work) {
    long start = System.nanoTime();
    long cpuStart = PROCESS.getProcessCpuTime();
    T result = work.get();
    DemoSetup.Stage stage = new DemoSetup.Stage(name, (System.nanoTime() - start) / 1_000_000);
    stages.add(stage);
    // The CPU time of every thread, libtorch's and OpenBLAS's included: on a machine shared with
    // other work the wall time stretches, the CPU time much less.
    console.printf(
        "  [%s: %s, CPU %s]%n",
        name,
        DemoTable.elapsed(stage.millis()),
        DemoTable.elapsed((PROCESS.getProcessCpuTime() - cpuStart) / 1_000_000));
    return result;
  }

  /** Runs {@code work}, recording and printing its wall time. */
  void time(String name, Runnable work) {
    time(
        name,
        () -> {
          work.run();
          return null;
        });
  }

  /** {@return the stages timed so far, in order} */
  List<DemoSetup.Stage> stages() {
    return List.copyOf(stages);
  }
}
