package io.lntune.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.ones;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class MemoryStatsTest {
  @Test
  void anonymousMemoryShowsALibtorchAllocation() {
    Torch.init();
    MemoryStats before = MemoryStats.now();
    Tensor big = ones(64L << 20); // 256 MiB of floats, every page written
    MemoryStats after = MemoryStats.now();
    assertThat(after.rssBytes() - before.rssBytes()).isGreaterThan(200L << 20);
    if (after.rssAnonBytes() >= 0) {
      assertThat(after.rssAnonBytes() - before.rssAnonBytes()).isGreaterThan(200L << 20);
    }
    assertThat(after.javacppPhysicalBytes()).isPositive();
    assertThat(after.cuda()).hasSize(Torch.cudaDeviceCount());
    assertThat(after.format()).startsWith("rss ").contains("javacpp");
    big.close();
    long released = MemoryStats.residentBytes();
    // The kernel updates VmHWM lazily (per-CPU RSS counters), so it may trail VmRSS by a few pages.
    assertThat(MemoryStats.peakResidentBytes())
        .as("the high-water mark keeps the freed 256 MiB")
        .isGreaterThan(after.rssBytes() - (16L << 20))
        .isGreaterThan(released + (200L << 20));
    if (MemoryStats.resetPeakResident()) {
      assertThat(MemoryStats.peakResidentBytes())
          .as("after a reset")
          .isLessThan(released + (100L << 20));
    }
  }
}
