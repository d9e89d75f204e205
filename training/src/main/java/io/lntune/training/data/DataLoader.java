package io.lntune.training.data;

import io.lntune.torch.LntuneException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pass over a {@link LlavaDataset} in batches, prepared ahead of the consumer: worker threads
 * read each sample, apply the template, truncate, decode and transform the image, and, once a
 * batch's samples are all ready, pad and stack them into a {@link Batch} (its tensors made on the
 * worker), at most {@code prefetchBatches} batches ahead. So {@link #next()} hands out a batch that
 * is ready, and the consumer waits only when the workers fall behind. Bad samples are counted and
 * skipped with a warning or thrown, as the {@link BadRowPolicy} says, in batch order when the
 * consumer reaches them; a batch that loses samples is delivered smaller.
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
 * <p>A batch belongs to the loader until {@link #next()} returns it, then to the caller, who closes
 * it (on any thread: its tensors belong to no {@code TensorScope}). Closing the loader stops the
 * workers and closes every batch they made that was not handed out, those that finish afterwards
 * included. Not thread-safe: one consumer.
 */
public final class DataLoader implements Iterator<Batch>, AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final DataLoaderBuilder config;
  private final List<int[]> batches;
  private final ExecutorService pool;
  private final Deque<CompletableFuture<Collated>> window = new ArrayDeque<>();

  /**
   * Batches the workers made and {@link #next()} has not handed out; guarded by itself, as is
   * {@link #closed}.
   */
  private final Set<Batch> pending = Collections.newSetFromMap(new IdentityHashMap<>());

  private boolean closed;
  private int submitted;
  private Batch ready;

  /**
   * A batch as the workers left it: the batch of the good samples (null if none) and the bad ones,
   * in order.
   */
  private record Collated(Batch batch, List<SampleException> errors) {}

  DataLoader(DataLoaderBuilder config) {
    this.config = config;
    int globalBatch = config.batchSize * config.shards; // the batches of all ranks together
    List<int[]> global =
        switch (config.ordering) {
          case SEQUENTIAL -> BatchOrder.sequential(config.dataset.size(), globalBatch);
          case SHUFFLED -> BatchOrder.shuffled(config.dataset.size(), globalBatch, config.seed);
          case MODALITY_GROUPED -> {
            int[] lengths = new int[config.dataset.size()];
            Arrays.setAll(lengths, config.dataset::modalityLength);
            yield BatchOrder.modalityGrouped(lengths, globalBatch, config.seed);
          }
        };
    this.batches =
        config.shards == 1 ? global : BatchOrder.shard(global, config.shard, config.shards);
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            config.workers,
            r -> {
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

  /**
   * {@return whether another batch follows} Waits for it if the workers have not finished it.
   *
   * @throws IllegalStateException if the loader is closed
   */
  @Override
  public boolean hasNext() {
    synchronized (pending) {
      if (closed) {
        throw new IllegalStateException("the data loader is closed");
      }
    }
    while (ready == null) {
      fill();
      if (window.isEmpty()) {
        return false;
      }
      Collated c = await(window.poll());
      fill();
      try {
        for (SampleException e : c.errors()) {
          config.stats.report(e, config.policy);
        }
      } catch (RuntimeException e) {
        release(c.batch());
        throw e;
      }
      ready = c.batch();
    }
    return true;
  }

  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more batches");
    }
    Batch b = ready;
    ready = null;
    synchronized (pending) {
      pending.remove(b);
    }
    config.stats.delivered(b.size());
    return b;
  }

  /** {@return the batches made and not handed out; for tests} */
  List<Batch> pendingBatches() {
    synchronized (pending) {
      return List.copyOf(pending);
    }
  }

  private void fill() {
    while (window.size() < config.prefetchBatches && submitted < batches.size()) {
      List<CompletableFuture<PreparedSample>> samples = new ArrayList<>();
      for (int i : batches.get(submitted)) {
        samples.add(CompletableFuture.supplyAsync(() -> prepare(i), pool));
      }
      window.add(
          CompletableFuture.allOf(samples.toArray(CompletableFuture[]::new))
              .thenApplyAsync(done -> collate(samples), this::collateLater));
      submitted++;
    }
  }

  /**
   * Queues a batch's collation on the workers. The last sample of a batch can finish after {@link
   * #close()} has shut them down: its collation is then dropped (nobody waits for that batch)
   * rather than thrown on the worker.
   */
  private void collateLater(Runnable collation) {
    try {
      pool.execute(collation);
    } catch (RejectedExecutionException closed) {
      // the loader is closed
    }
  }

  /** Runs on a worker once the batch's samples are ready: pads and stacks the good ones. */
  private Collated collate(List<CompletableFuture<PreparedSample>> samples) {
    List<PreparedSample> good = new ArrayList<>();
    List<SampleException> errors = new ArrayList<>();
    for (CompletableFuture<PreparedSample> f : samples) {
      PreparedSample s = f.join(); // done: allOf completed without an exception
      if (s.error() != null) {
        errors.add(s.error());
      } else {
        good.add(s);
      }
    }
    Batch batch =
        good.isEmpty()
            ? null
            : Batch.collate(good, config.tokenizer.specialTokens().pad(), config.transform.shape());
    synchronized (pending) {
      if (closed) { // nobody will take it
        if (batch != null) {
          batch.close();
        }
        return new Collated(null, errors);
      }
      if (batch != null) {
        pending.add(batch);
      }
    }
    return new Collated(batch, errors);
  }

  private void release(Batch batch) {
    if (batch != null) {
      synchronized (pending) {
        pending.remove(batch);
      }
      batch.close();
    }
  }

  private PreparedSample prepare(int index) {
    LlavaSample s = config.dataset.sample(index);
    try {
      TokenizedConversation t = config.template.tokenize(s, config.tokenizer, config.imageMarkup);
      if (s.hasImage() && t.images() != 1) {
        // LLaVA would leave the picture unused (no placeholder) or splice it twice; neither trains
        // what is meant.
        throw new SampleException(
            s.id(),
            BadRow.MALFORMED_CONVERSATION,
            "has an image but "
                + t.images()
                + " <image> placeholders in its turns (one is needed)");
      }
      t = t.truncate(config.maxLength, config.imageTokens);
      float[] pixels = null;
      if (s.hasImage()) {
        if (config.imageRoot == null) {
          throw new IllegalStateException(
              "sample " + s.id() + " has an image but the loader has no image root");
        }
        pixels = config.transform.apply(config.imageRoot.read(s.id(), s.image().get()));
      }
      return new PreparedSample(t, pixels, null);
    } catch (SampleException e) {
      return PreparedSample.bad(e);
    } catch (OutOfMemoryError e) {
      // on a worker thread the error would otherwise surface with no word of which sample caused it
      throw new LntuneException(
          where(s)
              + ": out of Java heap memory while preparing it (raise the heap with "
              + "LNTUNE_JAVA_OPTS=-Xmx<size>, or lower --workers or the image pixel budget)",
          e);
    } catch (LntuneException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new LntuneException(
          where(s) + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
    }
  }

  private static String where(LlavaSample s) {
    return "sample " + s.id() + s.image().map(i -> " (image " + i + ")").orElse("");
  }

  private static Collated await(Future<Collated> f) {
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

  /**
   * Stops the workers and closes the batches they made that were not handed out. Closing twice is a
   * no-op.
   */
  @Override
  public void close() {
    List<Batch> orphans;
    synchronized (pending) {
      closed = true;
      orphans = List.copyOf(pending);
      pending.clear();
    }
    pool.shutdownNow();
    orphans.forEach(Batch::close);
    window.clear();
    ready = null;
  }
}
