package io.lntune.torch;

import java.io.IOException;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide libtorch set-up: native library loading, threads, seeds and CUDA queries; and {@link
 * #call(String, Supplier)}, which turns libtorch's errors into {@link TorchException}s.
 *
 * <p>Call {@link #init()} before the first torch call of a program; lntune's own classes do it for
 * you. It is idempotent and thread-safe.
 *
 * <pre>{@code
 * Torch.init();
 * Torch.setThreads(2);
 * Torch.seed(42);
 * if (Torch.cudaAvailable()) { ... Device.cuda(0) ... }
 * }</pre>
 */
public final class Torch {
  private static final Logger log = LoggerFactory.getLogger(Torch.class);
  private static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";
  private static volatile boolean initialized;

  private Torch() {}

  /**
   * Loads libtorch once per process.
   *
   * <ul>
   *   <li>JavaCPP's {@code maxPhysicalBytes} limit is switched off unless the user set it: it
   *       defaults to 4 x the heap and counts off-heap weights, so a 7B model in memory would throw
   *       {@code OutOfMemoryError}.
   *   <li>The libtorch natives are extracted into JavaCPP's cache before anything loads. Otherwise
   *       a cold cache lets the dynamic loader pick up a system libtorch (such as Debian's {@code
   *       libtorch-dev}) and the JVM crashes (docs/LIBTORCH.md, "Cold-cache crash").
   * </ul>
   *
   * @throws LntuneException if the natives cannot be extracted or loaded
   */
  public static void init() {
    if (initialized) {
      return;
    }
    synchronized (Torch.class) {
      if (initialized) {
        return;
      }
      if (System.getProperty(MAX_PHYSICAL_BYTES) == null) {
        System.setProperty(MAX_PHYSICAL_BYTES, "0");
      }
      extractNatives();
      try {
        Loader.load(torch.class);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        throw new LntuneException(
            "could not load libtorch (" + Loader.getPlatform() + "): " + e.getMessage(), e);
      }
      long limit = Pointer.maxPhysicalBytes();
      if (limit > 0 && limit < Pointer.totalPhysicalBytes()) {
        log.warn(
            "JavaCPP's maxPhysicalBytes is {} (set before lntune started): large off-heap weights may throw "
                + "OutOfMemoryError; pass -D{}=0",
            ByteSize.format(limit),
            MAX_PHYSICAL_BYTES);
      }
      if (System.getenv("OMP_WAIT_POLICY") == null) {
        log.info(
            "OMP_WAIT_POLICY is not set: fp32 matrix products run up to 5x slower while OpenMP threads spin; "
                + "bin/lntune sets OMP_WAIT_POLICY=PASSIVE before the JVM starts");
      }
      initialized = true;
    }
  }

  private static void extractNatives() {
    Class<?> presets = org.bytedeco.pytorch.presets.torch.class;
    String platform = Loader.getPlatform();
    for (String dir : new String[] {platform + "-gpu", platform}) {
      String resource = "/org/bytedeco/pytorch/" + dir + "/";
      if (presets.getResource(resource) != null) {
        try {
          Loader.cacheResources(presets, resource);
        } catch (IOException e) {
          throw new LntuneException(
              "could not extract the libtorch natives ("
                  + resource
                  + ") into JavaCPP's cache "
                  + "(set -Dorg.bytedeco.javacpp.cacheDir to a writable folder): "
                  + e.getMessage(),
              e);
        }
        return;
      }
    }
    throw new LntuneException(
        "no libtorch natives for "
            + platform
            + " on the class path: add "
            + "org.bytedeco:pytorch with classifier "
            + platform
            + " (or "
            + platform
            + "-gpu)");
  }

  /**
   * Sets the threads of ATen's OpenMP pool, which oneDNN (bf16 matrix products) shares. OpenBLAS
   * (fp32 matrix products) keeps its own count, {@code OPENBLAS_NUM_THREADS}: ATen calls it from
   * inside its OpenMP regions (CPU attention), where more than one OpenBLAS thread oversubscribes
   * the cores and stalls (docs/LIBTORCH.md, "Threads"); a bench step of a two-sequence batch took
   * 9-17 s instead of about 2.7 s when this also set OpenBLAS to 2 threads.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static void setThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    init();
    torch.set_num_threads(threads);
  }

  /** {@return ATen's intra-op thread count} */
  public static int threads() {
    init();
    return torch.get_num_threads();
  }

  /** Seeds libtorch's CPU generator and, when present, every CUDA generator. */
  public static void seed(long seed) {
    init();
    torch.manual_seed(seed);
    if (cudaAvailable()) {
      torch.cuda_manual_seed_all(seed);
    }
  }

  /** {@return whether a CUDA device can be used (false on the CPU build)} */
  public static boolean cudaAvailable() {
    init();
    return torch.cuda_is_available();
  }

  /** {@return the number of CUDA devices, 0 without CUDA} */
  public static int cudaDeviceCount() {
    init();
    return cudaAvailable() ? torch.cuda_device_count() : 0;
  }

  /**
   * Runs a libtorch call, translating its failure into a {@link TorchException} whose message is
   * the context plus the first line of the C++ message.
   *
   * @param context what is being done, with shapes or file names, e.g. {@code "embedding [4, 7]"}
   * @param body the call
   */
  public static <T> T call(String context, Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw TorchException.translate(context, e);
    }
  }

  /** Like {@link #call(String, Supplier)}, with the context built only on failure. */
  public static <T> T call(Supplier<String> context, Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw TorchException.translate(context.get(), e);
    }
  }
}
