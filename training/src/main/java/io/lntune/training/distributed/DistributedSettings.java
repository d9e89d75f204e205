package io.lntune.training.distributed;

import io.lntune.torch.Device;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a run joins a data-parallel job.
 *
 * <pre>{@code
 * DistributedSettings settings = new DistributedSettings(env, Duration.ofMinutes(30), Optional.empty());
 * DistributedBackend backend = settings.backendFor(model.placement().device());   // NCCL on CUDA
 * }</pre>
 *
 * @param environment this process's rank and the rendezvous
 * @param timeout how long the rendezvous and each collective may wait for the other ranks before
 *     the job ends with an error naming the rank that waited
 * @param backend the backend to use whatever the model's device; empty: the device's ({@link
 *     DistributedBackend#forDevice})
 */
public record DistributedSettings(
    TorchrunEnvironment environment, Duration timeout, Optional<DistributedBackend> backend) {
  /** How long ranks wait for each other if not told: as PyTorch's default for Gloo. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

  /**
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public DistributedSettings {
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(backend, "backend");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
    }
  }

  /**
   * {@return the settings the launcher's variables give, with {@code timeout} and the device's
   * backend; empty when they are not set}
   *
   * @throws IllegalArgumentException as {@link TorchrunEnvironment#from}
   */
  public static Optional<DistributedSettings> fromEnvironment(
      Map<String, String> env, Duration timeout) {
    return TorchrunEnvironment.from(env)
        .map(e -> new DistributedSettings(e, timeout, Optional.empty()));
  }

  /**
   * {@return the backend this rank uses for a model on {@code device}: the one set, else NCCL on
   * CUDA and Gloo on the CPU}
   *
   * @throws IllegalArgumentException if NCCL would reduce a model that is not on this rank's GPU,
   *     {@code cuda:LOCAL_RANK} (NCCL takes one GPU per process, and the CPU not at all)
   */
  public DistributedBackend backendFor(Device device) {
    DistributedBackend chosen = backend.orElse(DistributedBackend.forDevice(device));
    if (chosen == DistributedBackend.NCCL && !device.equals(environment.gpu())) {
      throw new IllegalArgumentException(
          "NCCL reduces the gradients on each rank's own GPU, cuda:LOCAL_RANK: rank "
              + environment.rank()
              + " (LOCAL_RANK "
              + environment.localRank()
              + ") needs its model on "
              + environment.gpu()
              + ", not "
              + device
              + (device.isCuda() ? "" : " (on the CPU, use Gloo)"));
    }
    return chosen;
  }
}
