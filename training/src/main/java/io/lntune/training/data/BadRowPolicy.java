package io.lntune.training.data;

/**
 * What the data pipeline does with a bad sample ({@link BadRow}). Either way the sample is counted
 * in {@link DataStats}.
 *
 * <pre>{@code
 * DataLoader.builder()...badRows(BadRowPolicy.FAIL)...   // stop at the first bad sample
 * }</pre>
 */
public enum BadRowPolicy {
  /** Log a warning naming the sample and its problem, and leave the sample out. */
  SKIP,
  /** Throw the {@link SampleException}, which names the sample and its problem. */
  FAIL
}
