package io.lntune.tools.bench;

import java.util.Map;

/**
 * The OpenMP spin of a training process. With {@code OMP_WAIT_POLICY=PASSIVE} an idle libgomp
 * thread sleeps at once, so each of a step's thousands of parallel regions starts by waking it;
 * spinning first (300,000 turns, libgomp's own spin when no wait policy is set) made a bf16 {@code
 * small} LAYERNORM step 12% faster, and a one-off checkpoint load slower. {@code bin/lntune}
 * therefore sets it for the commands that train, and the bench gives its training processes,
 * lntune's and Python's alike, the same environment, while its own process (which loads the
 * checkpoint and decodes) keeps the default.
 */
final class TrainingSpin {
  static final String VARIABLE = "GOMP_SPINCOUNT";

  /** bin/lntune-env.sh's {@code LNTUNE_TRAINING_SPINCOUNT}. */
  static final String COUNT = "300000";

  private TrainingSpin() {}

  /** Sets the spin in {@code environment} unless it names one already. */
  static void apply(Map<String, String> environment) {
    environment.putIfAbsent(VARIABLE, COUNT);
  }

  /** {@return the spin a training process of this one's gets} */
  static String inChildren() {
    return System.getenv().getOrDefault(VARIABLE, COUNT);
  }
}
