package io.lntune.training.data;

import io.lntune.torch.LntuneException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pass over a {@link LlavaDataset} in batches: worker threads read each sample, apply the template, truncate,
 * decode and transform the image, at most {@code prefetchBatches} batches ahead of the consumer; the consumer's
 * {@link #next()} pads and stacks them into a {@link Batch}. Bad samples are counted and skipped with a warning
 * or thrown, as the {@link BadRowPolicy} says; a batch that loses samples is delivered smaller.
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder().dataset(data).tokenizer(tok).template(template)
 *         .imageRoot(ImageRoot.of(images)).imageTransform(clip).batchSize(16).seed(42).build()) {
 *   while (loader.hasNext()) {
 *     try (Batch b = loader.next()) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one consumer. Close it to stop the workers.
 */
public final class DataLoader implements Iterator<Batch>, AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final DataLoaderBuilder config;
  private final List<int[]> batches;
  private final ExecutorService pool;
  private final Deque<List<Future<PreparedSample>>> window = new ArrayDeque<>();
  private int submitted;
  private List<PreparedSample> ready;

  DataLoader(DataLoaderBuilder config) {
    this.config = config;
    this.batches = switch (config.ordering) {
      case SEQUENTIAL -> BatchOrder.sequential(config.dataset.size(), config.batchSize);
      case SHUFFLED -> BatchOrder.shuffled(config.dataset.size(), config.batchSize, config.seed);
      case MODALITY_GROUPED -> {
        int[] lengths = new int[config.dataset.size()];
        java.util.Arrays.setAll(lengths, config.dataset::modalityLength);
        yield BatchOrder.modalityGrouped(lengths, config.batchSize, config.seed);
      }
    };
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(config.workers, r -> {
      Thread t = new Thread(r, "lntune-data-" + pool + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** {@return a builder; the dataset, tokenizer and template are required} */
  public static DataLoaderBuilder builder() {
    return new DataLoaderBuilder();
  }

  /** {@return the number of batches in this pass, before bad samples are left out} */
  public int batchCount() {
    return batches.size();
  }

  /** {@return the counts of delivered and bad samples} */
  public DataStats stats() {
    return config.stats;
  }

  @Override
  public boolean hasNext() {
    while (ready == null) {
      fill();
      if (window.isEmpty()) {
        return false;
      }
      List<PreparedSample> good = new ArrayList<>();
      for (Future<PreparedSample> f : window.poll()) {
        PreparedSample s = await(f);
        if (s.error() != null) {
          config.stats.report(s.error(), config.policy);
        } else {
          good.add(s);
        }
      }
      fill();
      ready = good.isEmpty() ? null : good;
    }
    return true;
  }

  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more batches");
    }
    List<PreparedSample> samples = ready;
    ready = null;
    config.stats.delivered(samples.size());
    return Batch.collate(samples, config.tokenizer.specialTokens().pad(), config.transform.shape());
  }

  private void fill() {
    while (window.size() < config.prefetchBatches && submitted < batches.size()) {
      List<Future<PreparedSample>> futures = new ArrayList<>();
      for (int i : batches.get(submitted)) {
        futures.add(pool.submit(() -> prepare(i)));
      }
      window.add(futures);
      submitted++;
    }
  }

  private PreparedSample prepare(int index) {
    LlavaSample s = config.dataset.sample(index);
    try {
      TokenizedConversation t = config.template.tokenize(s, config.tokenizer);
      if (s.hasImage() && t.images() != 1) {
        // LLaVA would leave the picture unused (no placeholder) or splice it twice; neither trains what is meant.
        throw new SampleException(s.id(), BadRow.MALFORMED_CONVERSATION, "has an image but " + t.images()
            + " <image> placeholders in its turns (one is needed)");
      }
      t = t.truncate(config.maxLength, config.imageTokens);
      float[] pixels = null;
      if (s.hasImage()) {
        if (config.imageRoot == null) {
          throw new IllegalStateException("sample " + s.id() + " has an image but the loader has no image root");
        }
        pixels = config.transform.apply(config.imageRoot.read(s.id(), s.image()));
      }
      return new PreparedSample(t, pixels, null);
    } catch (SampleException e) {
      return PreparedSample.bad(e);
    }
  }

  private static PreparedSample await(Future<PreparedSample> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LntuneException("interrupted while waiting for a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new LntuneException("data worker failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
    window.clear();
    ready = null;
  }
}
