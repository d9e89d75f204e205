package io.lntune.tools.bench;

import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.tokenizer.SentencePieceModelWriter;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.LntuneException;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ClipTransform;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.data.TwoSeparatorTemplate;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The data of the bench's {@code +loader} configurations: a synthetic world of LLaVA JSON and PNG
 * pictures in a temporary folder, a tokenizer written for its words, and a {@link DataLoader} over
 * its conversations with LLaVA-1.5's image preprocessing (pad to square, bicubic resize to 336
 * pixels, CLIP normalisation), so that a measured step is fed the way a real run is: the workers
 * read, tokenize, decode, resize and collate while the step computes. The bench's decoder has no
 * vision tower: the step trains on the text (the image placeholder as token 0) and the pictures are
 * prepared and handed over, then dropped. The tokenizer's few thousand ids fit the CPU sizes'
 * vocabulary; for {@code tiny}'s 256 the task folds them in.
 *
 * <pre>{@code
 * try (LoaderData d = LoaderData.create(8, 4, 512)) {
 *   DataLoader loader = d.loader();
 * }
 * }</pre>
 */
final class LoaderData implements AutoCloseable {
  /** The template LLaVA-1.5 trains with, whose system prompt the tokenizer learns too. */
  private static final TwoSeparatorTemplate TEMPLATE = TwoSeparatorTemplate.vicunaV1();

  private final Path dir;
  private final LlavaDataset dataset;
  private final DataLoader loader;

  private LoaderData(Path dir, LlavaDataset dataset, DataLoader loader) {
    this.dir = dir;
    this.dataset = dataset;
    this.loader = loader;
  }

  /**
   * @param batchSize samples per batch
   * @param batches how many batches the loader must deliver
   * @param maxLength the model's sequence length
   * @throws LntuneException if the files cannot be written
   */
  static LoaderData create(int batchSize, int batches, int maxLength) {
    Path dir;
    try {
      dir = Files.createTempDirectory("lntune-bench-loader");
      SyntheticWorld.Summary world =
          new SyntheticWorld(batchSize * batches, 11, 64, 0).generate(dir);
      Path model = dir.resolve("tokenizer.model");
      Files.write(
          model,
          SentencePieceModelWriter.forCorpus(
              List.of(Files.readString(world.stage2Train()), TEMPLATE.words())));
      Tokenizer tok = Tokenizer.load(model).withPadToken(TEMPLATE.padToken());
      DataStats stats = new DataStats();
      LlavaDataset dataset =
          LlavaDataset.open(world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, stats);
      DataLoader loader =
          DataLoader.builder()
              .dataset(dataset)
              .tokenizer(tok)
              .template(TEMPLATE)
              .imageRoot(ImageRoot.of(dir))
              .imageTransform(ClipTransform.forModel(LlavaConfigs.byName("llava-v1.5-vicuna-7b")))
              .batchSize(batchSize)
              .ordering(DataLoaderBuilder.Ordering.SEQUENTIAL)
              .maxLength(maxLength)
              .imageTokens(1)
              .badRows(BadRowPolicy.FAIL)
              .stats(stats)
              .build();
      return new LoaderData(dir, dataset, loader);
    } catch (IOException e) {
      throw new LntuneException(
          "bench: cannot write the loader's synthetic data: " + e.getMessage(), e);
    }
  }

  DataLoader loader() {
    return loader;
  }

  @Override
  public void close() throws IOException {
    loader.close();
    dataset.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
