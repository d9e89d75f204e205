package io.lntune.training.distributed;

import io.lntune.torch.Device;

/**
 * The c10d backend a process group communicates through: as PyTorch's defaults, Gloo for a model on
 * the CPU and NCCL for one on CUDA (NCCL reduces the gradients where they are, on the GPU, over
 * NVLink or the network; Gloo would copy them through the host).
 *
 * <pre>{@code
 * DistributedBackend backend = DistributedBackend.forDevice(Device.cuda(0));   // NCCL
 * }</pre>
 */
public enum DistributedBackend {
  /** Gloo: CPU tensors (and CUDA ones through the host, slowly). */
  GLOO,
  /**
   * NCCL: CUDA tensors only, one GPU per process; needs the presets' GPU build ({@code -Pcuda}).
   */
  NCCL;

  /** {@return the backend for a model on {@code device}: NCCL on CUDA, else Gloo} */
  public static DistributedBackend forDevice(Device device) {
    return device.isCuda() ? NCCL : GLOO;
  }
}
