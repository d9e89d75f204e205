package io.lntune.training.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts of what the data pipeline did: samples delivered and bad samples per kind. Thread-safe;
 * the workers count while the trainer reads.
 *
 * <pre>{@code
 * loader.stats().badRows();   // {MISSING_IMAGE=3, EMPTY_REPLY=1}
 * }</pre>
 */
public final class DataStats {
  private static final Logger log = LoggerFactory.getLogger(DataStats.class);
  private final AtomicLongArray bad = new AtomicLongArray(BadRow.values().length);
  private final AtomicLongArray delivered = new AtomicLongArray(1);

  /**
   * Counts a bad sample, then logs it ({@link BadRowPolicy#SKIP}) or throws it ({@link
   * BadRowPolicy#FAIL}).
   */
  void report(SampleException e, BadRowPolicy policy) {
    bad.incrementAndGet(e.problem().ordinal());
    if (policy == BadRowPolicy.FAIL) {
      throw e;
    }
    log.warn("skipped {}", e.getMessage());
  }

  void delivered(int samples) {
    delivered.addAndGet(0, samples);
  }

  /** {@return how many samples went out in batches} */
  public long samples() {
    return delivered.get(0);
  }

  /** {@return the bad samples seen so far, per kind, kinds with none left out} */
  public Map<BadRow, Long> badRows() {
    Map<BadRow, Long> out = new EnumMap<>(BadRow.class);
    for (BadRow k : BadRow.values()) {
      if (bad.get(k.ordinal()) > 0) {
        out.put(k, bad.get(k.ordinal()));
      }
    }
    return out;
  }

  /** {@return the number of bad samples of every kind} */
  public long badTotal() {
    return badRows().values().stream().mapToLong(Long::longValue).sum();
  }
}
