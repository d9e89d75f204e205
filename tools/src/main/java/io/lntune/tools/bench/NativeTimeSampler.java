package io.lntune.tools.bench;

/**
 * Estimates how much of a thread's wall time is spent outside native code (libtorch), by sampling
 * its stack every {@value #INTERVAL_MILLIS} ms: a sample whose top frame is a native method counts
 * as inside libtorch (JavaCPP calls are native methods), any other sample as framework overhead
 * (Java code: the loop, JavaCPP wrappers, scopes). Samples are taken at safepoints, so a thread
 * running Java code is caught at the next one; the estimate is a sampled fraction, not an exact
 * account.
 *
 * <pre>{@code
 * NativeTimeSampler s = NativeTimeSampler.start(Thread.currentThread());
 * ... work ...
 * double overhead = s.stop();   // fraction of samples in Java code
 * }</pre>
 */
final class NativeTimeSampler {
  /**
   * Taking another thread's stack is a VM operation in JDK 17 (the VM thread walks it at a
   * safepoint), CPU time the measured step's threads compete for when they use every core: every 5
   * ms, the sampler and the VM thread took 3.1% of a {@code small} LAYERNORM step's CPU samples on
   * 2 cores. Every 25 ms still gives about 25 samples per step, hundreds per configuration.
   */
  static final int INTERVAL_MILLIS = 25;

  private final Thread target;
  private final Thread sampler;
  private volatile boolean running = true;
  private long samples;
  private long outsideNative;

  private NativeTimeSampler(Thread target) {
    this.target = target;
    this.sampler = new Thread(this::sample, "lntune-native-time-sampler");
    sampler.setDaemon(true);
  }

  static NativeTimeSampler start(Thread target) {
    NativeTimeSampler s = new NativeTimeSampler(target);
    s.sampler.start();
    return s;
  }

  private void sample() {
    while (running) {
      StackTraceElement[] stack = target.getStackTrace();
      if (stack.length > 0) {
        synchronized (this) {
          samples++;
          if (!stack[0].isNativeMethod()) {
            outsideNative++;
          }
        }
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Stops sampling and {@return the fraction of samples outside native code (NaN if none were
   * taken)}
   */
  double stop() {
    running = false;
    try {
      sampler.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      return samples == 0 ? Double.NaN : (double) outsideNative / samples;
    }
  }

  synchronized long samples() {
    return samples;
  }
}
