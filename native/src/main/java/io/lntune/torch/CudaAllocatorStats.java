package io.lntune.torch;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.cuda.DeviceStats;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * Reads the CUDA caching allocator. Kept apart from {@link MemoryStats} so that the CUDA bindings,
 * which the CPU build cannot load, are touched only when CUDA is available.
 */
final class CudaAllocatorStats {
  private CudaAllocatorStats() {}

  static List<MemoryStats.CudaMemory> read() {
    List<MemoryStats.CudaMemory> out = new ArrayList<>();
    try (TensorScope scope = TensorScope.open()) {
      int devices = torch.cuda_device_count();
      for (int i = 0; i < devices; i++) {
        DeviceStats s = torch_cuda.getAllocator().getDeviceStats((byte) i);
        // Each StatArray starts with the aggregate over all pools.
        out.add(
            new MemoryStats.CudaMemory(
                Device.cuda(i),
                s.allocated_bytes().current(),
                s.allocated_bytes().peak(),
                s.reserved_bytes().current()));
      }
    }
    return out;
  }
}
