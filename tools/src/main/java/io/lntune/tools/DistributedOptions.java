package io.lntune.tools;

import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.distributed.LocalLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How a command runs as a data-parallel job, shared by {@code train} and {@code eval} (a picocli
 * mixin): {@code --nproc-per-node N [--nnodes --node-rank --master-addr --master-port]} starts this
 * machine's ranks as worker processes ({@link LocalLauncher}), each running the same command line
 * without these options; without them, a {@code torchrun}-style environment makes this process one
 * rank; {@code --distributed-timeout} bounds every wait for the other ranks.
 *
 * <pre>{@code
 * if (distributed.launches()) {       // the command's field: @Mixin DistributedOptions distributed
 *   return distributed.launch(spec);
 * }
 * Optional<DistributedSettings> job = distributed.fromEnvironment();
 * }</pre>
 */
final class DistributedOptions {
  /** The options that start the workers, which the workers do not get. */
  static final List<String> LAUNCH_OPTIONS =
      List.of("--nproc-per-node", "--nnodes", "--node-rank", "--master-addr", "--master-port");

  @Option(
      names = "--nproc-per-node",
      paramLabel = "N",
      description =
          "Start N worker processes on this machine, one data-parallel rank each, as torchrun "
              + "--nproc-per-node does (Gloo on the CPU; NCCL with --device cuda, one GPU per rank): "
              + "--batch-size is per rank, rank 0 writes the outputs. Without it, a torchrun-style environment (RANK, WORLD_SIZE, LOCAL_RANK, "
              + "LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) makes this process one rank.")
  Integer nprocPerNode;

  @Option(
      names = "--nnodes",
      paramLabel = "M",
      description =
          "Machines in the job, each running the same command with its --node-rank. Default: 1.")
  int nnodes = 1;

  @Option(names = "--node-rank", paramLabel = "R", description = "This machine. Default: 0.")
  int nodeRank;

  @Option(
      names = "--master-addr",
      paramLabel = "HOST",
      description = "The host of rank 0 (node 0). Default: 127.0.0.1.")
  String masterAddr = "127.0.0.1";

  @Option(
      names = "--master-port",
      paramLabel = "PORT",
      description = "The rendezvous port on --master-addr. Default: 29500.")
  int masterPort = 29500;

  @Option(
      names = "--distributed-timeout",
      paramLabel = "SECONDS",
      description =
          "How long a rank waits for the others (to join, at each all-reduce and barrier) before "
              + "the job ends with an error naming it. Default: 1800.")
  long distributedTimeout = DistributedSettings.DEFAULT_TIMEOUT.toSeconds();

  /** {@return whether this process starts the ranks ({@code --nproc-per-node}) */
  boolean launches() {
    return nprocPerNode != null;
  }

  /** {@return {@code --distributed-timeout}} */
  Duration timeout() {
    return Duration.ofSeconds(distributedTimeout);
  }

  /**
   * {@return the job the {@code torchrun}-style environment names, with {@link #timeout()}; empty
   * for a single process}
   *
   * @throws IllegalArgumentException if the environment is incomplete or out of range
   */
  Optional<DistributedSettings> fromEnvironment() {
    return DistributedSettings.fromEnvironment(System.getenv(), timeout());
  }

  /**
   * Starts this machine's ranks, each {@code lntune} with the command line {@code spec} parsed but
   * the launch options, and waits for them.
   *
   * @return the first failed rank's exit status, or 0
   * @throws IllegalArgumentException if this process is itself a rank of a job
   */
  int launch(CommandSpec spec) {
    if (System.getenv("RANK") != null) {
      throw new IllegalArgumentException(
          "--nproc-per-node starts the ranks itself: it cannot run inside a job that already set"
              + " RANK");
    }
    LocalLauncher.Job job =
        new LocalLauncher.Job(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort);
    List<String> args = workerArgs(spec.root().commandLine().getParseResult().originalArgs());
    return LocalLauncher.run(
        job,
        LocalLauncher.javaCommand(LntuneCli.class.getName(), args),
        spec.commandLine().getOut());
  }

  /** {@return {@code args} without the launch options and their values} */
  static List<String> workerArgs(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (LAUNCH_OPTIONS.contains(arg)) {
        i++; // and its value
      } else if (LAUNCH_OPTIONS.stream().noneMatch(o -> arg.startsWith(o + "="))) {
        out.add(arg);
      }
    }
    return out;
  }
}
