package io.lntune.training.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Starts this machine's ranks of a data-parallel job as worker JVMs, as {@code torchrun
 * --nproc-per-node} does: each gets the {@code torchrun} variables for its rank, its output is
 * forwarded line by line with a {@code [rank R]} prefix, and when one ends with an error the others
 * are ended too. The machine's cores are shared out: each worker gets {@code OMP_NUM_THREADS} =
 * cores / processes (at least 1), so that the ranks do not oversubscribe them.
 *
 * <pre>{@code
 * LocalLauncher.Job job = new LocalLauncher.Job(2, 1, 0, "127.0.0.1", 29500);
 * int exit = LocalLauncher.run(job, LocalLauncher.javaCommand("io.lntune.tools.LntuneCli", args), out);
 * }</pre>
 */
public final class LocalLauncher {
  /** How long a worker that is asked to end may take before it is killed. */
  static final Duration GRACE = Duration.ofSeconds(10);

  private LocalLauncher() {}

  /**
   * The job as this machine's launcher sees it.
   *
   * @param nprocPerNode processes on each machine
   * @param nnodes machines
   * @param nodeRank this machine, 0 to {@code nnodes - 1}
   * @param masterAddr the host of rank 0
   * @param masterPort the rendezvous store's port
   */
  public record Job(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort) {
    /**
     * @throws IllegalArgumentException if a count or rank is out of range
     */
    public Job {
      if (nprocPerNode < 1 || nnodes < 1) {
        throw new IllegalArgumentException(
            "--nproc-per-node and --nnodes must be >= 1, got " + nprocPerNode + " and " + nnodes);
      }
      if (nodeRank < 0 || nodeRank >= nnodes) {
        throw new IllegalArgumentException(
            "--node-rank must be in 0.." + (nnodes - 1) + ", got " + nodeRank);
      }
    }

    /**
     * {@return a one-machine job of {@code processes} ranks whose rendezvous store listens on a
     * free port of the loopback interface, as {@code torchrun --standalone} does}
     *
     * @throws UncheckedIOException if no port can be had
     */
    public static Job standalone(int processes) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return new Job(processes, 1, 0, "127.0.0.1", s.getLocalPort());
      } catch (IOException e) {
        throw new UncheckedIOException("finding a free port for the rendezvous store", e);
      }
    }

    /** {@return the environment of local process {@code localRank}} */
    public TorchrunEnvironment rank(int localRank) {
      return new TorchrunEnvironment(
          nodeRank * nprocPerNode + localRank,
          nnodes * nprocPerNode,
          localRank,
          nprocPerNode,
          masterAddr,
          masterPort);
    }
  }

  /**
   * {@return a command that runs {@code mainClass} in a JVM like this one: the same {@code java},
   * JVM options and class path}
   */
  public static List<String> javaCommand(String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /**
   * Runs this machine's ranks of {@code job}, each {@code command} with its rank's variables, and
   * waits for them.
   *
   * @param out where the workers' output goes, each line prefixed with its rank
   * @return 0 when every worker ended with 0; else the exit status of the first that failed (the
   *     others are then ended)
   * @throws UncheckedIOException if a worker cannot be started
   */
  public static int run(Job job, List<String> command, PrintWriter out) {
    List<Process> workers = new ArrayList<>();
    List<Thread> forwarders = new ArrayList<>();
    try {
      for (int local = 0; local < job.nprocPerNode(); local++) {
        TorchrunEnvironment env = job.rank(local);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env.toVariables());
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threadsPerWorker(job)));
        Process p = pb.start();
        workers.add(p);
        forwarders.add(forward(p, "[rank " + env.rank() + "] ", out));
      }
      int exit = waitForAll(workers, job, out);
      end(workers); // those left when one failed, before waiting for the rest of their output
      for (Thread t : forwarders) {
        t.join(GRACE.toMillis());
      }
      return exit;
    } catch (IOException e) {
      throw new UncheckedIOException("starting the workers: " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      end(workers);
    }
  }

  /**
   * What a job printed and how it ended.
   *
   * @param exit as {@link #run} returns it
   * @param output every rank's lines, each prefixed with {@code [rank R] }
   */
  public record Captured(int exit, String output) {}

  /**
   * Runs {@code job} as {@link #run} does and keeps its output: for scripts and tests that read
   * what the ranks printed.
   */
  public static Captured capture(Job job, List<String> command) {
    StringWriter text = new StringWriter();
    try (PrintWriter out = new PrintWriter(text, true)) {
      int exit = run(job, command, out);
      out.flush();
      return new Captured(exit, text.toString());
    }
  }

  /** {@return this machine's cores shared among its workers, at least 1 each} */
  private static int threadsPerWorker(Job job) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / job.nprocPerNode());
  }

  /**
   * Waits until all have ended with 0, or one has failed: the first to end with another status, in
   * the order they ended (a rank that dies makes the others fail soon after; it is the one named).
   */
  private static int waitForAll(List<Process> workers, Job job, PrintWriter out)
      throws InterruptedException {
    BlockingQueue<Integer> ended = new LinkedBlockingQueue<>();
    for (int local = 0; local < workers.size(); local++) {
      int index = local;
      workers.get(local).onExit().thenRun(() -> ended.add(index));
    }
    for (int i = 0; i < workers.size(); i++) {
      int local = ended.take();
      int exit = workers.get(local).exitValue();
      if (exit != 0) {
        synchronized (out) {
          out.println(
              "rank "
                  + job.rank(local).rank()
                  + " ended with exit status "
                  + exit
                  + ": ending the other ranks");
        }
        return exit;
      }
    }
    return 0;
  }

  /** Asks every live worker to end, and kills those still alive after {@link #GRACE}. */
  private static void end(List<Process> workers) {
    workers.stream().filter(Process::isAlive).forEach(Process::destroy);
    for (Process p : workers) {
      try {
        if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Thread forward(Process p, String prefix, PrintWriter out) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  synchronized (out) {
                    out.println(prefix + line);
                  }
                }
              } catch (IOException e) {
                // the worker's output closed when it was ended
              }
            },
            "lntune-launcher-" + prefix.strip());
    t.setDaemon(true);
    t.start();
    return t;
  }
}
