package io.lntune.training.distributed;

import io.lntune.torch.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where this process sits in a data-parallel job, as {@code torchrun} (and Slurm or Kubernetes
 * scripts written for it) tell it in the environment.
 *
 * <pre>{@code
 * Optional<TorchrunEnvironment> env = TorchrunEnvironment.from(System.getenv());   // empty: one process
 * Device device = env.map(e -> e.placeOn(Device.cuda())).orElse(Device.cuda());   // cuda:LOCAL_RANK
 * }</pre>
 *
 * @param rank this process among all, 0 to {@code worldSize - 1} ({@code RANK})
 * @param worldSize the number of processes ({@code WORLD_SIZE})
 * @param localRank this process on its machine ({@code LOCAL_RANK}), the device it would use
 * @param localWorldSize the processes on this machine ({@code LOCAL_WORLD_SIZE})
 * @param masterAddr the host of rank 0, where the rendezvous store listens ({@code MASTER_ADDR})
 * @param masterPort the store's port ({@code MASTER_PORT})
 */
public record TorchrunEnvironment(
    int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort) {

  /** The variables a launcher sets, in the order they are checked. */
  public static final List<String> VARIABLES =
      List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT");

  /**
   * @throws IllegalArgumentException if a rank is outside its world or the port outside 1..65535
   */
  public TorchrunEnvironment {
    if (worldSize < 1) {
      throw new IllegalArgumentException("WORLD_SIZE must be >= 1, got " + worldSize);
    }
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "RANK must be in 0.." + (worldSize - 1) + " (WORLD_SIZE " + worldSize + "), got " + rank);
    }
    if (localWorldSize < 1 || localWorldSize > worldSize) {
      throw new IllegalArgumentException(
          "LOCAL_WORLD_SIZE must be in 1.." + worldSize + ", got " + localWorldSize);
    }
    if (localRank < 0 || localRank >= localWorldSize) {
      throw new IllegalArgumentException(
          "LOCAL_RANK must be in 0.." + (localWorldSize - 1) + ", got " + localRank);
    }
    if (masterAddr == null || masterAddr.isBlank()) {
      throw new IllegalArgumentException("MASTER_ADDR must name the host of rank 0");
    }
    if (masterPort < 1 || masterPort > 65535) {
      throw new IllegalArgumentException("MASTER_PORT must be in 1..65535, got " + masterPort);
    }
  }

  /**
   * Reads the launcher's variables.
   *
   * @param env the environment, {@code System.getenv()}
   * @return empty when none of {@link #VARIABLES} is set (a single process)
   * @throws IllegalArgumentException naming every variable that is missing or not a number, or a
   *     value out of range
   */
  public static Optional<TorchrunEnvironment> from(Map<String, String> env) {
    if (VARIABLES.stream().noneMatch(env::containsKey)) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();
    for (String name : VARIABLES) {
      String value = env.get(name);
      if (value == null || value.isBlank()) {
        problems.add(name + " is not set");
      } else if (!name.equals("MASTER_ADDR") && !value.strip().matches("\\d{1,9}")) {
        problems.add(name + " is not a number: '" + value + "'");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "a torchrun-style environment needs all of "
              + String.join(", ", VARIABLES)
              + ": "
              + String.join("; ", problems));
    }
    return Optional.of(
        new TorchrunEnvironment(
            number(env, "RANK"),
            number(env, "WORLD_SIZE"),
            number(env, "LOCAL_RANK"),
            number(env, "LOCAL_WORLD_SIZE"),
            env.get("MASTER_ADDR").strip(),
            number(env, "MASTER_PORT")));
  }

  /** {@return this environment as the variables a launcher sets for a worker} */
  public Map<String, String> toVariables() {
    return Map.of(
        "RANK", Integer.toString(rank),
        "WORLD_SIZE", Integer.toString(worldSize),
        "LOCAL_RANK", Integer.toString(localRank),
        "LOCAL_WORLD_SIZE", Integer.toString(localWorldSize),
        "MASTER_ADDR", masterAddr,
        "MASTER_PORT", Integer.toString(masterPort));
  }

  /** {@return whether this is rank 0, the one that writes checkpoints, metrics and exports} */
  public boolean isMain() {
    return rank == 0;
  }

  /**
   * {@return this rank's GPU, {@code cuda:LOCAL_RANK}: one per process, as torchrun's ranks take
   * them}
   */
  public Device gpu() {
    return Device.cuda(localRank);
  }

  /**
   * {@return {@code requested}, with a bare {@code cuda} (the current device) made this rank's GPU}
   * For a device option every rank of a machine shares ({@code lntune train --device cuda}), which
   * would put them all on {@code cuda:0}.
   */
  public Device placeOn(Device requested) {
    return requested.equals(Device.cuda()) ? gpu() : requested;
  }

  private static int number(Map<String, String> env, String name) {
    return Integer.parseInt(env.get(name).strip());
  }
}
