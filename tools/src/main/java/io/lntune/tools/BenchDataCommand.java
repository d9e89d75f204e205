package io.lntune.tools;

import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.Batch;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.ResizeNormalize;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lntune bench-data}: how fast the LLaVA data pipeline delivers batches of the synthetic world. */
@Command(
    name = "bench-data",
    mixinStandardHelpOptions = true,
    description = "Measure the data pipeline: generate a synthetic world, then time one pass of the loader over its "
        + "stage-2 conversations (JSON read, template, tokenizer, PNG decode, resize, batching into tensors).")
final class BenchDataCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tokenizer", required = true, paramLabel = "FILE|DIR", description = "A tokenizer.model or dir.")
  Path tokenizer;

  @Option(names = "--images", defaultValue = "512", description = "Pictures to generate. Default: ${DEFAULT-VALUE}.")
  int images;

  @Option(names = "--batch-size", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--workers", defaultValue = "2", description = "Default: ${DEFAULT-VALUE}.")
  int workers;

  @Option(names = "--image-size", defaultValue = "224",
      description = "Pixels per side after the transform. Default: ${DEFAULT-VALUE}.")
  int imageSize;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("lntune-bench-data");
    SyntheticWorld.Summary world = new SyntheticWorld(images, 1, 64, 0).generate(dir);
    ConversationTemplate template = ConversationTemplate.forName("vicuna_v1");
    Tokenizer tok = Tokenizer.load(tokenizer).withPadToken(template.padToken());
    DataStats stats = new DataStats();
    try {
      run(out, dir, world, template, tok, stats);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return 0;
  }

  private void run(PrintWriter out, Path dir, SyntheticWorld.Summary world, ConversationTemplate template,
      Tokenizer tok, DataStats stats) {
    for (int pass = 0; pass < 2; pass++) { // the first pass warms up the JIT and the file cache
      long start = System.nanoTime();
      int batches = 0;
      try (LlavaDataset data = LlavaDataset.open(world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, stats);
          DataLoader loader = DataLoader.builder().dataset(data).tokenizer(tok).template(template)
              .imageRoot(ImageRoot.of(dir)).imageTransform(ResizeNormalize.unit(imageSize)).batchSize(batchSize)
              .workers(workers).ordering(DataLoaderBuilder.Ordering.SHUFFLED).seed(pass).build()) {
        while (loader.hasNext()) {
          try (Batch b = loader.next()) {
            batches++;
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf("%s: %d batches of %d in %.2f s: %.1f batches/s, %.0f samples/s (%d workers, %dpx images)%n",
          pass == 0 ? "warm-up" : "measured", batches, batchSize, seconds, batches / seconds,
          images / seconds, workers, imageSize);
    }
  }
}
