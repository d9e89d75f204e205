package io.lntune.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * A reading of the process's memory: resident set (split into anonymous and file-backed pages,
 * where the kernel reports it), what JavaCPP counts, and each CUDA device's caching-allocator
 * figures.
 *
 * <pre>{@code
 * MemoryStats before = MemoryStats.now();
 * ... run ...
 * System.out.println(MemoryStats.now().format());   // rss 1.2 GiB (anon 300 MiB, file 900 MiB), ...
 * }</pre>
 *
 * @param rssBytes resident set size of this process
 * @param rssAnonBytes resident anonymous memory (heap, libtorch allocations); -1 if unknown
 * @param rssFileBytes resident file-backed memory (memory-mapped weights, libraries); -1 if unknown
 * @param javacppPhysicalBytes JavaCPP's own reading of physical memory, which its {@code
 *     maxPhysicalBytes} limit is checked against
 * @param javacppTrackedBytes bytes JavaCPP allocated itself (not libtorch storage)
 * @param cuda one entry per CUDA device, empty without CUDA
 */
public record MemoryStats(
    long rssBytes,
    long rssAnonBytes,
    long rssFileBytes,
    long javacppPhysicalBytes,
    long javacppTrackedBytes,
    List<CudaMemory> cuda) {

  /**
   * CUDA caching-allocator figures for one device.
   *
   * @param device the device
   * @param allocatedBytes bytes held by live tensors
   * @param peakAllocatedBytes the high-water mark of {@code allocatedBytes}
   * @param reservedBytes bytes the allocator holds from the driver
   */
  public record CudaMemory(
      Device device, long allocatedBytes, long peakAllocatedBytes, long reservedBytes) {}

  public MemoryStats {
    cuda = List.copyOf(cuda);
  }

  /** {@return the current reading} */
  public static MemoryStats now() {
    Torch.init();
    long[] rss = residentSet();
    List<CudaMemory> cuda = Torch.cudaAvailable() ? CudaAllocatorStats.read() : List.of();
    return new MemoryStats(
        rss[0], rss[1], rss[2], Pointer.physicalBytes(), Pointer.totalBytes(), cuda);
  }

  /** {@return the resident set size in bytes, read from /proc} */
  public static long residentBytes() {
    return residentSet()[0];
  }

  /**
   * {@return the high-water mark of this process's resident set (VmHWM) in bytes, or -1 where the
   * kernel does not report it} It only grows over a process's life, so comparing configurations
   * needs one process each.
   */
  public static long peakResidentBytes() {
    return residentSet()[3];
  }

  /**
   * Resets the resident high-water mark to the current resident set (Linux: {@code 5} into {@code
   * /proc/self/clear_refs}), so that {@link #peakResidentBytes()} measures from now on.
   *
   * @return whether the kernel took the reset (false where {@code clear_refs} is missing or not
   *     writable)
   */
  public static boolean resetPeakResident() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** VmRSS, RssAnon, RssFile, VmHWM from /proc/self/status, -1 where absent. */
  private static long[] residentSet() {
    long[] out = {-1, -1, -1, -1};
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      out[0] = Pointer.physicalBytes();
      return out;
    }
    try {
      for (String line : Files.readAllLines(status)) {
        int field =
            line.startsWith("VmRSS:")
                ? 0
                : line.startsWith("RssAnon:")
                    ? 1
                    : line.startsWith("RssFile:") ? 2 : line.startsWith("VmHWM:") ? 3 : -1;
        if (field >= 0) {
          String[] parts = line.split("\\s+");
          out[field] = Long.parseLong(parts[1]) * 1024; // the kernel reports kB
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + status, e);
    }
    return out;
  }

  /** {@return a one-line human summary} */
  public String format() {
    StringBuilder sb = new StringBuilder("rss ").append(ByteSize.format(rssBytes));
    if (rssAnonBytes >= 0) {
      sb.append(" (anon ")
          .append(ByteSize.format(rssAnonBytes))
          .append(", file ")
          .append(ByteSize.format(rssFileBytes))
          .append(')');
    }
    sb.append(", javacpp ").append(ByteSize.format(javacppPhysicalBytes));
    for (CudaMemory c : cuda) {
      sb.append(", ")
          .append(c.device())
          .append(" allocated ")
          .append(ByteSize.format(c.allocatedBytes()))
          .append(" (peak ")
          .append(ByteSize.format(c.peakAllocatedBytes()))
          .append(") reserved ")
          .append(ByteSize.format(c.reservedBytes()));
    }
    return sb.toString();
  }
}
