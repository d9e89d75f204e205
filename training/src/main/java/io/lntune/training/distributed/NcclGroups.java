package io.lntune.training.distributed;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.global.torch_cuda;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

/**
 * Makes NCCL process groups. Kept apart from {@link DistributedGroup} so that the NCCL and CUDA
 * bindings, whose natives only the presets' GPU build has (the CPU build cannot load these
 * classes), are touched only when a run asks for NCCL, after its GPU was found.
 */
final class NcclGroups {
  private NcclGroups() {}

  /**
   * Makes {@code cuda:LOCAL_RANK} the current CUDA device, as {@code torch.cuda.set_device} before
   * {@code init_process_group}: NCCL's barrier and the collectives' internal buffers use it; then
   * forms the communicator at once (PyTorch's {@code device_id} eager init), so that a rank that
   * never comes fails the join, as with Gloo, rather than the first all-reduce.
   */
  static Backend join(TCPStore store, TorchrunEnvironment env, Duration timeout) {
    torch_cuda.set_device((byte) env.localRank());
    ProcessGroupNCCL.Options options = new ProcessGroupNCCL.Options();
    options.timeout(new Milliseconds(timeout.toMillis()));
    ProcessGroupNCCL nccl = new ProcessGroupNCCL(store, env.rank(), env.worldSize(), options);
    nccl.eagerConnectSingleDevice(env.gpu().toTorch());
    return nccl;
  }
}
