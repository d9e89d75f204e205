package io.lntune.training.distributed;

import io.lntune.torch.Device;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A c10d process group joined through a {@code TCPStore} at {@code MASTER_ADDR:MASTER_PORT} (rank 0
 * serves it): Gloo on the CPU, or NCCL on this rank's GPU ({@code cuda:LOCAL_RANK}), as {@link
 * DistributedBackend} says. Every collective waits at most the timeout; one that fails (a rank
 * died, or did not answer in time) throws an {@link LntuneException} that names this rank, the
 * backend and the operation. (NCCL's own watchdog also ends a process whose collective hangs past
 * the timeout, as in PyTorch.)
 *
 * <pre>{@code
 * try (DistributedGroup group = DistributedGroup.join(env, DistributedBackend.GLOO, Duration.ofMinutes(5))) {
 *   group.allReduceSum(tensor, "the step's gradients");   // a tensor on group.device()
 *   group.barrier("the checkpoint of step 10");
 * }
 * }</pre>
 */
public final class DistributedGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DistributedGroup.class);

  private final TorchrunEnvironment env;
  private final DistributedBackend backend;
  private final Duration timeout;
  private final TCPStore store;
  private final Backend group;
  private boolean closed;

  private DistributedGroup(
      TorchrunEnvironment env,
      DistributedBackend backend,
      Duration timeout,
      TCPStore store,
      Backend group) {
    this.env = env;
    this.backend = backend;
    this.timeout = timeout;
    this.store = store;
    this.group = group;
  }

  /**
   * Joins the job: rank 0 starts the store, every rank connects to it, and the group forms once all
   * {@code worldSize} ranks have arrived. Blocks until they have. An NCCL group first makes this
   * rank's GPU the current CUDA device.
   *
   * @param env this process's place in the job
   * @param backend Gloo, or NCCL on {@code cuda:LOCAL_RANK}
   * @param timeout how long the rendezvous, and later each collective, may wait for the other ranks
   * @throws LntuneException if the store cannot be reached, the ranks do not all arrive in time, or
   *     NCCL is asked of a libtorch without CUDA (the presets' CPU build) or of a machine without
   *     GPU {@code LOCAL_RANK}
   */
  public static DistributedGroup join(
      TorchrunEnvironment env, DistributedBackend backend, Duration timeout) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(backend, "backend");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
    }
    Torch.init();
    String where =
        "rank "
            + env.rank()
            + " of "
            + env.worldSize()
            + " joining the "
            + backend
            + " process group at "
            + env.masterAddr()
            + ":"
            + env.masterPort();
    try {
      if (backend == DistributedBackend.NCCL) {
        // Before anything touches the CUDA bindings, which the CPU build cannot load.
        env.gpu().requireAvailable();
      }
      TCPStoreOptions options =
          new TCPStoreOptions()
              .port((short) env.masterPort())
              .isServer(env.isMain())
              .waitWorkers(false)
              .timeout(new Milliseconds(timeout.toMillis()));
      TCPStore store = new TCPStore(env.masterAddr(), options);
      Backend group =
          backend == DistributedBackend.NCCL
              ? NcclGroups.join(store, env, timeout)
              : gloo(store, env, timeout);
      log.info("{}: joined (timeout {})", where, timeout);
      return new DistributedGroup(env, backend, timeout, store, group);
    } catch (RuntimeException | LinkageError e) {
      throw new LntuneException(where + " failed: " + firstLine(e), e);
    }
  }

  private static Backend gloo(TCPStore store, TorchrunEnvironment env, Duration timeout) {
    ProcessGroupGloo.Options options = new ProcessGroupGloo.Options();
    options.timeout(new Milliseconds(timeout.toMillis()));
    options.devices(new GlooDeviceVector(glooDevice(env.masterAddr())));
    return new ProcessGroupGloo(store, env.rank(), env.worldSize(), options);
  }

  /**
   * The network device Gloo's pairs use: the interface {@code GLOO_SOCKET_IFNAME} names (as in
   * PyTorch), loopback when the job is on this machine alone, else the one this host's name
   * resolves to.
   */
  private static org.bytedeco.pytorch.gloo.Device glooDevice(String masterAddr) {
    String iface = System.getenv("GLOO_SOCKET_IFNAME");
    if (iface != null && !iface.isBlank()) {
      return ProcessGroupGloo.createDeviceForInterface(iface.strip());
    }
    try {
      if (InetAddress.getByName(masterAddr).isLoopbackAddress()) {
        return ProcessGroupGloo.createDeviceForHostname(masterAddr);
      }
    } catch (UnknownHostException e) {
      throw new LntuneException("MASTER_ADDR " + masterAddr + " does not resolve", e);
    }
    return ProcessGroupGloo.createDefaultDevice();
  }

  /** {@return this process's rank} */
  public int rank() {
    return env.rank();
  }

  /** {@return the number of processes} */
  public int worldSize() {
    return env.worldSize();
  }

  /** {@return whether this is rank 0} */
  public boolean isMain() {
    return env.isMain();
  }

  /** {@return how long a collective may wait for the other ranks} */
  public Duration timeout() {
    return timeout;
  }

  /** {@return the backend the group communicates through} */
  public DistributedBackend backend() {
    return backend;
  }

  /**
   * {@return where the tensors of this group's collectives live: this rank's GPU for NCCL, the CPU
   * for Gloo}
   */
  public Device device() {
    return backend == DistributedBackend.NCCL ? env.gpu() : Device.cpu();
  }

  /**
   * Replaces {@code tensor} (contiguous, on {@link #device()}) in place with its sum over all
   * ranks.
   *
   * @param what the data, for the message if it fails ("the gradients of step 12")
   */
  public void allReduceSum(Tensor tensor, String what) {
    startAllReduceSum(tensor, what).await();
  }

  /**
   * Starts summing {@code tensor} (contiguous, on {@link #device()}) over all ranks, in place; the
   * sum is there once {@link Pending#await} returns. Every rank must start the same collectives in
   * the same order. {@code tensor} must not change until then.
   *
   * @param what the data, for the message if it fails ("the gradients of step 12")
   */
  public Pending startAllReduceSum(Tensor tensor, String what) {
    return start("the all-reduce of " + what, () -> group.allreduce(new TensorVector(tensor)));
  }

  /**
   * Waits until every rank has arrived here.
   *
   * @param what what the ranks wait for, for the message if it fails
   */
  public void barrier(String what) {
    start("the barrier after " + what, group::barrier).await();
  }

  private Pending start(String operation, Supplier<Work> collective) {
    if (closed) {
      throw new IllegalStateException("the process group is closed");
    }
    try {
      // Kept past the caller's scope: a collective started in a gradient hook is awaited later.
      return new Pending(TensorScope.unscoped(collective.get()), operation);
    } catch (RuntimeException e) {
      throw failed(operation, e);
    }
  }

  private LntuneException failed(String operation, RuntimeException e) {
    return new LntuneException(
        "rank "
            + env.rank()
            + " of "
            + env.worldSize()
            + " ("
            + backend
            + "): "
            + operation
            + " failed: another rank ended or did not answer within "
            + timeout.toSeconds()
            + " s ("
            + firstLine(e)
            + ")",
        e);
  }

  /** A collective on its way. */
  public final class Pending {
    private final Work work;
    private final String operation;

    private Pending(Work work, String operation) {
      this.work = work;
      this.operation = operation;
    }

    /**
     * Waits, at most the group's timeout, until the collective is done and its result is in place
     * (for NCCL: until the GPU has it, so that the CPU may read it).
     *
     * @throws LntuneException naming the rank and the operation if it failed or timed out
     */
    public void await() {
      try (work) {
        work._wait(new Milliseconds(timeout.toMillis()));
      } catch (RuntimeException e) {
        throw failed(operation, e);
      }
    }
  }

  /** Leaves the group; the store closes with rank 0's. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (backend == DistributedBackend.NCCL) {
      group.shutdown(); // as destroy_process_group: NCCL's watchdog and communicators end cleanly
    }
    group.close();
    store.close();
  }

  private static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
