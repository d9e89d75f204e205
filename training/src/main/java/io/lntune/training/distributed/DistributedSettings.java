package io.lntune.training.distributed;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a run joins a data-parallel job.
 *
 * @param environment this process's rank and the rendezvous
 * @param timeout how long the rendezvous and each collective may wait for the other ranks before
 *     the job ends with an error naming the rank that waited
 */
public record DistributedSettings(TorchrunEnvironment environment, Duration timeout) {
  /** How long ranks wait for each other if not told: as PyTorch's default for Gloo. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

  /**
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public DistributedSettings {
    Objects.requireNonNull(environment, "environment");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
    }
  }

  /**
   * {@return the settings the launcher's variables give, with {@code timeout}; empty when they are
   * not set}
   *
   * @throws IllegalArgumentException as {@link TorchrunEnvironment#from}
   */
  public static Optional<DistributedSettings> fromEnvironment(
      Map<String, String> env, Duration timeout) {
    return TorchrunEnvironment.from(env).map(e -> new DistributedSettings(e, timeout));
  }
}
