package io.lntune.training.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The order in which samples are batched: as stored, shuffled by seed, or grouped by modality and
 * length as LLaVA's {@code LengthGroupedSampler} with {@code group_by_modality_length} does (single
 * process: image samples and text-only samples never share a batch, except the one made of both
 * modalities' leftovers, which comes last; within a batch samples are sorted longest first; the
 * batches are shuffled). Deterministic for a seed.
 *
 * <pre>{@code
 * List<int[]> batches = BatchOrder.modalityGrouped(lengths, 16, seed);   // lengths < 0: text-only samples
 * }</pre>
 */
public final class BatchOrder {
  private BatchOrder() {}

  /**
   * {@return samples 0..n-1 in order, in batches of {@code batchSize} (the last one may be
   * smaller)}
   */
  public static List<int[]> sequential(int n, int batchSize) {
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    return chunks(order, batchSize);
  }

  /** {@return samples 0..n-1 in an order fixed by {@code seed}, in batches} */
  public static List<int[]> shuffled(int n, int batchSize, long seed) {
    return chunks(permutation(n, new Random(seed)), batchSize);
  }

  /**
   * {@return LLaVA's modality-grouped batches}
   *
   * @param modalityLengths per sample, a length estimate, positive for image samples and negative
   *     for text-only ones (never 0)
   */
  public static List<int[]> modalityGrouped(int[] modalityLengths, int batchSize, long seed) {
    Random random = new Random(seed);
    int[] mm =
        Arrays.stream(indices(modalityLengths.length))
            .filter(i -> modalityLengths[i] > 0)
            .toArray();
    int[] lang =
        Arrays.stream(indices(modalityLengths.length))
            .filter(i -> modalityLengths[i] < 0)
            .toArray();
    if (mm.length + lang.length != modalityLengths.length) {
      throw new IllegalArgumentException(
          "a modality length is 0: lengths must be > 0 (image) or < 0 (text only)");
    }
    if (mm.length == 0 || lang.length == 0) {
      return chunks(
          lengthGrouped(
              modalityLengths.length == mm.length ? mm : lang, modalityLengths, batchSize, random),
          batchSize);
    }
    List<int[]> mmBatches =
        chunks(lengthGrouped(mm, modalityLengths, batchSize, random), batchSize);
    List<int[]> langBatches =
        chunks(lengthGrouped(lang, modalityLengths, batchSize, random), batchSize);
    int[] leftover =
        concat(mmBatches.remove(mmBatches.size() - 1), langBatches.remove(langBatches.size() - 1));
    List<int[]> full = new ArrayList<>(mmBatches);
    full.addAll(langBatches);
    List<int[]> out = new ArrayList<>(full.size() + 2);
    for (int i : permutation(full.size(), random)) {
      out.add(full.get(i));
    }
    Arrays.sort(leftover);
    out.addAll(chunks(leftover, batchSize));
    return out;
  }

  /**
   * LLaVA's {@code get_length_grouped_indices} for one process: random batches, each sorted longest
   * first.
   */
  private static int[] lengthGrouped(int[] samples, int[] lengths, int batchSize, Random random) {
    int[] perm = permutation(samples.length, random);
    Integer[] order = new Integer[samples.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = samples[perm[i]];
    }
    Comparator<Integer> longestFirst = Comparator.comparingInt(i -> -Math.abs(lengths[i]));
    for (int from = 0; from < order.length; from += batchSize) {
      Arrays.sort(
          order,
          from,
          Math.min(order.length, from + batchSize),
          longestFirst); // stable, as Python's sort
    }
    return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  /**
   * {@return rank {@code rank}'s part of each of the global batches} The parts of a batch are
   * contiguous and differ in size by at most one; together they are the batch, so that {@code
   * ranks} processes with batches of b step as one process with batches of {@code ranks * b}. As
   * PyTorch's {@code DistributedSampler} pads, a batch smaller than {@code ranks} gives the ranks
   * without a sample one of its samples again, so that every rank takes the same number of batches.
   *
   * @param batches the batches of the whole data, each of {@code ranks} times the per-rank size
   */
  public static List<int[]> shard(List<int[]> batches, int rank, int ranks) {
    if (ranks < 1 || rank < 0 || rank >= ranks) {
      throw new IllegalArgumentException("rank " + rank + " of " + ranks + " is out of range");
    }
    List<int[]> out = new ArrayList<>(batches.size());
    for (int[] batch : batches) {
      int from = (int) ((long) batch.length * rank / ranks);
      int to = (int) ((long) batch.length * (rank + 1) / ranks);
      out.add(
          from < to ? Arrays.copyOfRange(batch, from, to) : new int[] {batch[rank % batch.length]});
    }
    return out;
  }

  private static int[] permutation(int n, Random random) {
    int[] p = indices(n);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static int[] indices(int n) {
    int[] p = new int[n];
    Arrays.setAll(p, i -> i);
    return p;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static List<int[]> chunks(int[] order, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    List<int[]> out = new ArrayList<>();
    for (int from = 0; from < order.length; from += batchSize) {
      out.add(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize)));
    }
    return out;
  }
}
