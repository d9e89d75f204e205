package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native layer on a CUDA device; skipped without one. */
class CudaIT {
  @TempDir Path dir;

  @BeforeEach
  void requireCuda() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Torch.cudaAvailable(), "no CUDA device");
  }

  @Test
  void safetensorsRoundTripThroughTheDevice() {
    Device cuda = Device.cuda(0);
    try (TensorScope scope = TensorScope.open()) {
      Tensor x =
          randn(new long[] {64, 32}, new TensorOptions(cuda.toTorch())).to(DType.BF16.scalarType());
      Path file = dir.resolve("cuda.safetensors");
      SafetensorsWriter.write(file, Map.of("x", x));
      try (SafetensorsFile f = SafetensorsFile.open(file)) {
        Tensor back = f.tensor("x", DType.BF16, cuda);
        assertThat(back.device().is_cuda()).isTrue();
        assertThat(back.equal(x)).isTrue();
      }
      MemoryStats stats = MemoryStats.now();
      assertThat(stats.cuda()).isNotEmpty();
      assertThat(stats.cuda().get(0).allocatedBytes()).isPositive();
    }
  }

  @Test
  void scopedStepsKeepDeviceMemoryFlat() {
    Device cuda = Device.cuda(0);
    Tensor w;
    try (TensorScope scope = TensorScope.open()) {
      w = scope.keep(randn(new long[] {256, 256}, new TensorOptions(cuda.toTorch())));
    }
    long warm = 0;
    for (int step = 0; step < 2_000; step++) {
      if (step == 100) {
        warm = MemoryStats.now().cuda().get(0).allocatedBytes();
      }
      try (TensorScope scope = TensorScope.open()) {
        randn(new long[] {64, 256}, new TensorOptions(cuda.toTorch()))
            .matmul(w)
            .relu()
            .sum()
            .item_double();
      }
    }
    assertThat(MemoryStats.now().cuda().get(0).allocatedBytes()).isEqualTo(warm);
    w.close();
  }
}
