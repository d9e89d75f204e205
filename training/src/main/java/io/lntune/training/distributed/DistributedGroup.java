package io.lntune.training.distributed;

import io.lntune.torch.LntuneException;
import io.lntune.torch.Torch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.gloo.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A c10d process group joined through a {@code TCPStore} at {@code MASTER_ADDR:MASTER_PORT} (rank 0
 * serves it): Gloo, on the CPU. Every collective waits at most the timeout; one that fails (a rank
 * died, or did not answer in time) throws an {@link LntuneException} that names this rank and the
 * operation.
 *
 * <p>CUDA would take {@code ProcessGroupNCCL}, which only the presets' GPU build has; this class
 * makes Gloo groups only.
 *
 * <pre>{@code
 * try (DistributedGroup group = DistributedGroup.join(env, Duration.ofMinutes(5))) {
 *   group.allReduceSum(tensor, "the step's gradients");
 *   group.barrier("the checkpoint of step 10");
 * }
 * }</pre>
 */
public final class DistributedGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DistributedGroup.class);

  private final TorchrunEnvironment env;
  private final Duration timeout;
  private final TCPStore store;
  private final ProcessGroupGloo gloo;
  private boolean closed;

  private DistributedGroup(
      TorchrunEnvironment env, Duration timeout, TCPStore store, ProcessGroupGloo gloo) {
    this.env = env;
    this.timeout = timeout;
    this.store = store;
    this.gloo = gloo;
  }

  /**
   * Joins the job: rank 0 starts the store, every rank connects to it, and the Gloo group forms
   * once all {@code worldSize} ranks have arrived. Blocks until they have.
   *
   * @param env this process's place in the job
   * @param timeout how long the rendezvous, and later each collective, may wait for the other ranks
   * @throws LntuneException if the store cannot be reached or the ranks do not all arrive in time
   */
  public static DistributedGroup join(TorchrunEnvironment env, Duration timeout) {
    Objects.requireNonNull(env, "env");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
    }
    Torch.init();
    String where =
        "rank "
            + env.rank()
            + " of "
            + env.worldSize()
            + " joining the process group at "
            + env.masterAddr()
            + ":"
            + env.masterPort();
    try {
      TCPStoreOptions options =
          new TCPStoreOptions()
              .port((short) env.masterPort())
              .isServer(env.isMain())
              .waitWorkers(false)
              .timeout(new Milliseconds(timeout.toMillis()));
      TCPStore store = new TCPStore(env.masterAddr(), options);
      ProcessGroupGloo.Options glooOptions = new ProcessGroupGloo.Options();
      glooOptions.timeout(new Milliseconds(timeout.toMillis()));
      glooOptions.devices(new GlooDeviceVector(device(env.masterAddr())));
      ProcessGroupGloo gloo = new ProcessGroupGloo(store, env.rank(), env.worldSize(), glooOptions);
      log.info("{}: joined (Gloo, timeout {})", where, timeout);
      return new DistributedGroup(env, timeout, store, gloo);
    } catch (RuntimeException e) {
      throw new LntuneException(where + " failed: " + firstLine(e), e);
    }
  }

  /**
   * The network device Gloo's pairs use: the interface {@code GLOO_SOCKET_IFNAME} names (as in
   * PyTorch), loopback when the job is on this machine alone, else the one this host's name
   * resolves to.
   */
  private static Device device(String masterAddr) {
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

  /**
   * Replaces {@code tensor} (a contiguous CPU tensor) in place with its sum over all ranks.
   *
   * @param what the data, for the message if it fails ("the gradients of step 12")
   */
  public void allReduceSum(Tensor tensor, String what) {
    complete("the all-reduce of " + what, () -> gloo.allreduce(new TensorVector(tensor)));
  }

  /**
   * Waits until every rank has arrived here.
   *
   * @param what what the ranks wait for, for the message if it fails
   */
  public void barrier(String what) {
    complete("the barrier after " + what, gloo::barrier);
  }

  private void complete(String operation, Supplier<Work> start) {
    if (closed) {
      throw new IllegalStateException("the process group is closed");
    }
    try {
      start.get()._wait();
    } catch (RuntimeException e) {
      throw new LntuneException(
          "rank "
              + env.rank()
              + " of "
              + env.worldSize()
              + ": "
              + operation
              + " failed: another rank ended or did not answer within "
              + timeout.toSeconds()
              + " s ("
              + firstLine(e)
              + ")",
          e);
    }
  }

  /** Leaves the group; the store closes with rank 0's. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    gloo.close();
    store.close();
  }

  private static String firstLine(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
