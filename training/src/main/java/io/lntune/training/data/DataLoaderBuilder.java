package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Configures a {@link DataLoader}. Each setting may be set once; {@link #build()} checks them all.
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder()
 *     .dataset(data).tokenizer(LlavaVocabulary.forTraining(model, tok, template)).template(template)
 *     .imageRoot(ImageRoot.of(images)).imageTransform(ResizeNormalize.unit(64))
 *     .batchSize(8).ordering(DataLoaderBuilder.Ordering.MODALITY_GROUPED).seed(7).build();
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class DataLoaderBuilder {
  /** How samples are put into batches; see {@link BatchOrder}. */
  public enum Ordering {
    SEQUENTIAL,
    SHUFFLED,
    MODALITY_GROUPED
  }

  LlavaDataset dataset;
  Tokenizer tokenizer;
  ConversationTemplate template;
  ImageMarkup imageMarkup = ImageMarkup.BARE;
  ImageRoot imageRoot;
  ImageTransform transform = ResizeNormalize.unit(224);
  int batchSize = 1;
  Ordering ordering = Ordering.SHUFFLED;
  long seed;
  int shard;
  int shards = 1;
  int workers = 2;
  int prefetchBatches = 4;
  BadRowPolicy policy = BadRowPolicy.SKIP;
  int maxLength = 2048;
  int imageTokens = 576;
  DataStats stats = new DataStats();
  private final Set<String> set = new HashSet<>();
  private boolean built;

  DataLoaderBuilder() {}

  private void once(String name) {
    if (built) {
      throw new IllegalStateException("the loader was already built: use a new builder");
    }
    if (!set.add(name)) {
      throw new IllegalStateException(name + " was already set");
    }
  }

  /** The samples (required). */
  public DataLoaderBuilder dataset(LlavaDataset d) {
    once("dataset");
    dataset = Objects.requireNonNull(d);
    return this;
  }

  /** The tokenizer, with its pad token set (required). */
  public DataLoaderBuilder tokenizer(Tokenizer t) {
    once("tokenizer");
    tokenizer = Objects.requireNonNull(t);
    return this;
  }

  /** The conversation template (required). */
  public DataLoaderBuilder template(ConversationTemplate t) {
    once("template");
    template = Objects.requireNonNull(t);
    return this;
  }

  /**
   * How images are written in the text ({@link ImageMarkup#of} the model's config). If not set:
   * BARE.
   */
  public DataLoaderBuilder imageMarkup(ImageMarkup m) {
    once("imageMarkup");
    imageMarkup = Objects.requireNonNull(m);
    return this;
  }

  /** Where image paths resolve. If not set: samples with an image fail. */
  public DataLoaderBuilder imageRoot(ImageRoot r) {
    once("imageRoot");
    imageRoot = Objects.requireNonNull(r);
    return this;
  }

  /** The image preprocessing. If not set: {@code ResizeNormalize.unit(224)}. */
  public DataLoaderBuilder imageTransform(ImageTransform t) {
    once("imageTransform");
    transform = Objects.requireNonNull(t);
    return this;
  }

  /** Samples per batch. If not set: 1. */
  public DataLoaderBuilder batchSize(int n) {
    once("batchSize");
    batchSize = n;
    return this;
  }

  /** Batch order. If not set: {@link Ordering#SHUFFLED}. */
  public DataLoaderBuilder ordering(Ordering o) {
    once("ordering");
    ordering = Objects.requireNonNull(o);
    return this;
  }

  /** The shuffling seed; use a different one per epoch. If not set: 0. */
  public DataLoaderBuilder seed(long s) {
    once("seed");
    seed = s;
    return this;
  }

  /**
   * Reads one rank's share of the data: the batches are made {@code shards} times the batch size
   * from the seeded order every rank shares, and this loader delivers part {@code shard} of each
   * ({@link BatchOrder#shard}). If not set: the whole data (shard 0 of 1).
   *
   * @param shard this rank, 0 to {@code shards - 1}
   * @param shards the number of ranks
   */
  public DataLoaderBuilder shard(int shard, int shards) {
    once("shard");
    if (shards < 1 || shard < 0 || shard >= shards) {
      throw new IllegalArgumentException("shard " + shard + " of " + shards + " is out of range");
    }
    this.shard = shard;
    this.shards = shards;
    return this;
  }

  /** Worker threads. If not set: 2. */
  public DataLoaderBuilder workers(int n) {
    once("workers");
    workers = n;
    return this;
  }

  /** How many batches the workers may prepare ahead of the consumer. If not set: 4. */
  public DataLoaderBuilder prefetchBatches(int n) {
    once("prefetchBatches");
    prefetchBatches = n;
    return this;
  }

  /** What to do with a bad sample. If not set: {@link BadRowPolicy#SKIP}. */
  public DataLoaderBuilder badRows(BadRowPolicy p) {
    once("badRows");
    policy = Objects.requireNonNull(p);
    return this;
  }

  /** The model's maximum sequence length, image features included. If not set: 2048. */
  public DataLoaderBuilder maxLength(int n) {
    once("maxLength");
    maxLength = n;
    return this;
  }

  /**
   * How many positions one image takes in the model (576 for CLIP ViT-L/14 at 336 px). If not set:
   * 576.
   */
  public DataLoaderBuilder imageTokens(int n) {
    once("imageTokens");
    imageTokens = n;
    return this;
  }

  /**
   * Where bad and delivered samples are counted (share it with {@link LlavaDataset#open}). If not
   * set: new.
   */
  public DataLoaderBuilder stats(DataStats s) {
    once("stats");
    stats = Objects.requireNonNull(s);
    return this;
  }

  /**
   * {@return the loader}
   *
   * @throws IllegalStateException naming the first missing or invalid setting
   */
  public DataLoader build() {
    check(dataset != null, "dataset is required");
    check(tokenizer != null, "tokenizer is required");
    check(template != null, "template is required");
    check(
        tokenizer.specialTokens().pad() >= 0,
        "the tokenizer has no pad token: prepare it with "
            + "LlavaVocabulary.forTraining (template "
            + template.name()
            + " pads with "
            + template.padToken()
            + ")");
    check(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
    check(workers >= 1, "workers must be >= 1, got " + workers);
    check(prefetchBatches >= 1, "prefetchBatches must be >= 1, got " + prefetchBatches);
    check(imageTokens >= 1, "imageTokens must be >= 1, got " + imageTokens);
    check(maxLength >= 2, "maxLength must be >= 2, got " + maxLength);
    built = true;
    return new DataLoader(this);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
