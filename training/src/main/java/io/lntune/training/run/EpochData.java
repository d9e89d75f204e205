package io.lntune.training.run;

import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.LlavaVocabulary;
import io.lntune.training.data.SampleFilter;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A run's data: epoch after epoch of the dataset, each shuffled with {@code seed + epoch},
 * addressed by micro-batch position so that a resumed run continues exactly where its checkpoint
 * was. In a data-parallel job each rank reads its share of every batch ({@link
 * DataLoaderBuilder#shard}): the ranks' batches of one position together are the batch one process
 * with all of them would read.
 */
final class EpochData implements AutoCloseable {
  private final RunSettings settings;
  private final LlavaDataset dataset;
  private final DataStats stats = new DataStats();
  private final Tokenizer tokenizer;
  private final ConversationTemplate template;
  private final int batchesPerEpoch;
  private DataLoader current;

  private EpochData(RunSettings settings, Tokenizer tokenizer) {
    this.settings = settings;
    this.template = ConversationTemplate.forName(settings.template());
    this.tokenizer = tokenizer;
    this.dataset =
        LlavaDataset.open(
            settings.trainData(),
            SampleFilter.all(),
            settings.subset(),
            settings.seed(),
            BadRowPolicy.SKIP,
            stats);
    try (DataLoader probe = loader(0)) {
      this.batchesPerEpoch = probe.batchCount();
    }
    if (batchesPerEpoch == 0) {
      throw new IllegalStateException(settings.trainData() + " yields no batch");
    }
  }

  /**
   * @param tokenizer the settings' tokenizer fitted to the model ({@link
   *     LlavaVocabulary#forTraining})
   */
  static EpochData open(RunSettings settings, Tokenizer tokenizer) {
    return new EpochData(settings, tokenizer);
  }

  int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  private DataLoader loader(long epoch) {
    return DataLoader.builder()
        .dataset(dataset)
        .tokenizer(tokenizer)
        .template(template)
        .imageMarkup(ImageMarkup.of(settings.model().config()))
        .imageRoot(ImageRoot.of(settings.imageRoot()))
        .imageTransform(settings.imageTransform())
        .batchSize(settings.batchSize())
        .workers(settings.workers())
        .ordering(DataLoaderBuilder.Ordering.SHUFFLED)
        .seed(settings.seed() + epoch)
        .shard(
            settings.distributed().map(d -> d.environment().rank()).orElse(0),
            settings.distributed().map(d -> d.environment().worldSize()).orElse(1))
        .maxLength((int) settings.model().config().maxLength())
        .imageTokens((int) settings.model().config().imageTokens())
        .badRows(BadRowPolicy.SKIP)
        .stats(stats)
        .build();
  }

  /** {@return the micro-batches from {@code position} on, across epochs} */
  Iterator<Batch> from(long position) {
    return new Iterator<>() {
      long epoch = position / batchesPerEpoch;
      long skip = position % batchesPerEpoch;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Batch next() {
        while (current == null || !current.hasNext()) {
          if (current != null) {
            current.close();
            epoch++;
          }
          current = loader(epoch);
          if (!current.hasNext()) {
            throw new IllegalStateException(
                settings.trainData()
                    + ": epoch "
                    + epoch
                    + " yields no batch: every sample "
                    + "was skipped as a bad row ("
                    + stats.badRows()
                    + "); check the template ("
                    + settings.template()
                    + ") and data");
          }
          for (; skip > 0 && current.hasNext(); skip--) {
            current.next().close();
          }
        }
        if (!current.hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  @Override
  public void close() {
    if (current != null) {
      current.close();
    }
    dataset.close();
  }
}
