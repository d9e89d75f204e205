package io.lntune.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The sampler tells a thread waiting in native code from one running Java code. */
class NativeTimeSamplerTest {
  @Test
  void aSleepingThreadIsInNativeCodeAndASpinningOneIsNot() throws Exception {
    assertThat(
            fractionOutsideNative(
                () -> {
                  try {
                    Thread.sleep(400); // a native method
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }))
        .isLessThan(0.2);
    assertThat(
            fractionOutsideNative(
                () -> {
                  long end = System.nanoTime() + 400_000_000L;
                  double x = 0;
                  while (System.nanoTime() < end) {
                    x += Math.sqrt(x + 1);
                  }
                  if (x < 0) {
                    throw new AssertionError();
                  }
                }))
        .isGreaterThan(0.5);
  }

  private static double fractionOutsideNative(Runnable work) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              started.countDown();
              work.run();
            });
    t.start();
    started.await();
    NativeTimeSampler s = NativeTimeSampler.start(t);
    t.join();
    double fraction = s.stop();
    assertThat(s.samples()).isPositive();
    return fraction;
  }
}
