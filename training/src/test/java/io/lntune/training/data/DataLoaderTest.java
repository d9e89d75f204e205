package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.image.RgbImage;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.LntuneException;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLoaderTest {
  private static final ConversationTemplate V1 = ConversationTemplate.forName("vicuna_v1");
  private static final Tokenizer TOK = TemplateGoldenTest.LLAMA.withPadToken(V1.padToken());
  @TempDir Path dir;
  private SyntheticWorld.Summary world;

  @BeforeEach
  void world() {
    world = new SyntheticWorld(12, 5, 32, 0).generate(dir);
  }

  private DataLoaderBuilder loader(LlavaDataset data) {
    return DataLoader.builder()
        .dataset(data)
        .tokenizer(TOK)
        .template(V1)
        .imageRoot(ImageRoot.of(dir))
        .imageTransform(ResizeNormalize.unit(16))
        .imageTokens(4);
  }

  /** {@return a transform to 3 x 4 x 4 pixels that does what {@code apply} does} */
  private static ImageTransform tinyTransform(Function<RgbImage, float[]> apply) {
    return new ImageTransform() {
      @Override
      public int[] shape() {
        return new int[] {3, 4, 4};
      }

      @Override
      public float[] apply(RgbImage image) {
        return apply.apply(image);
      }
    };
  }

  private static List<String> ids(DataLoader loader) {
    List<String> out = new ArrayList<>();
    while (loader.hasNext()) {
      try (Batch b = loader.next()) {
        out.addAll(b.sampleIds());
      }
    }
    return out;
  }

  @Test
  void batchesArePaddedOnTheRightWithMaskAndIgnoredLabels() {
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader loader =
            loader(data).batchSize(5).ordering(DataLoaderBuilder.Ordering.SEQUENTIAL).build();
        Batch b = loader.next()) {
      long t = b.inputIds().size(1);
      assertThat(b.inputIds().sizes().vec().get()).containsExactly(5, t);
      assertThat(b.images().sizes().vec().get()).containsExactly(5, 3, 16, 16);
      for (int row = 0; row < 5; row++) {
        TokenizedConversation expected = V1.tokenize(data.sample(row), TOK, ImageMarkup.BARE);
        int n = expected.inputIds().length;
        for (int j = 0; j < t; j++) {
          long id = b.inputIds().get(row).get(j).item_long();
          long label = b.labels().get(row).get(j).item_long();
          boolean mask = b.attentionMask().get(row).get(j).item_bool();
          assertThat(id).isEqualTo(j < n ? expected.inputIds()[j] : 0);
          assertThat(label).isEqualTo(j < n ? expected.labels()[j] : PromptTokens.IGNORE_INDEX);
          assertThat(mask).isEqualTo(j < n);
        }
      }
      assertThat(b.sampleIds())
          .containsExactly(
              "synth-000000", "synth-000001", "synth-000002", "synth-000003", "synth-000004");
    }
  }

  @Test
  void shufflingIsFixedBySeed() {
    try (LlavaDataset data =
        LlavaDataset.open(
            world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      List<String> a;
      List<String> b;
      List<String> c;
      try (DataLoader l = loader(data).batchSize(3).seed(1).build()) {
        a = ids(l);
      }
      try (DataLoader l = loader(data).batchSize(3).seed(1).workers(3).prefetchBatches(1).build()) {
        b = ids(l);
      }
      try (DataLoader l = loader(data).batchSize(3).seed(2).build()) {
        c = ids(l);
      }
      assertThat(a).hasSize(12).doesNotHaveDuplicates().isEqualTo(b).isNotEqualTo(c);
    }
  }

  /**
   * Two ranks' loaders read every sample once per epoch between them, the same number of batches
   * each, their batches together being one process's batches of twice the size.
   */
  @Test
  void twoShardsReadEverySampleOnceAsOneLoaderOfTwiceTheBatch() {
    try (LlavaDataset data =
        LlavaDataset.open(
            world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      List<List<String>> whole = batchIds(loader(data).batchSize(4).seed(7).build());
      List<List<String>> rank0 = batchIds(loader(data).batchSize(2).seed(7).shard(0, 2).build());
      List<List<String>> rank1 = batchIds(loader(data).batchSize(2).seed(7).shard(1, 2).build());
      assertThat(rank0).hasSameSizeAs(whole).hasSameSizeAs(rank1);
      List<String> seen = new ArrayList<>();
      for (int i = 0; i < whole.size(); i++) {
        List<String> together = new ArrayList<>(rank0.get(i));
        together.addAll(rank1.get(i));
        assertThat(together).as("batch %d", i).isEqualTo(whole.get(i));
        seen.addAll(together);
      }
      assertThat(seen).hasSize(12).doesNotHaveDuplicates();
    }
  }

  private static List<List<String>> batchIds(DataLoader loader) {
    List<List<String>> out = new ArrayList<>();
    try (loader) {
      while (loader.hasNext()) {
        try (Batch b = loader.next()) {
          out.add(b.sampleIds());
        }
      }
    }
    return out;
  }

  @Test
  void modalityGroupingNeverMixesImageAndTextSamplesExceptTheLastBatch() throws IOException {
    Path mixed = dir.resolve("mixed.json");
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < 12; i++) {
      json.append(i > 0 ? "," : "")
          .append(
              i < 7
                  ? "{\"id\":\"img"
                      + i
                      + "\",\"image\":\"images/synth-00000"
                      + (i % 9)
                      + ".png\",\"conversations\":["
                      + "{\"from\":\"human\",\"value\":\"<image>\\nWhat is it?\"},{\"from\":\"gpt\",\"value\":\"Shapes.\"}]}"
                  : "{\"id\":\"txt"
                      + i
                      + "\",\"conversations\":[{\"from\":\"human\",\"value\":\"Hi"
                      + " there".repeat(i)
                      + "\"},{\"from\":\"gpt\",\"value\":\"Hello.\"}]}");
    }
    Files.writeString(mixed, json.append("]").toString());
    try (LlavaDataset data =
            LlavaDataset.open(mixed, SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader l =
            loader(data)
                .batchSize(3)
                .ordering(DataLoaderBuilder.Ordering.MODALITY_GROUPED)
                .build()) {
      List<List<String>> batches = new ArrayList<>();
      while (l.hasNext()) {
        try (Batch b = l.next()) {
          batches.add(b.sampleIds());
          assertThat(b.images().size(0))
              .isEqualTo(b.sampleIds().stream().filter(s -> s.startsWith("img")).count());
        }
      }
      assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(12);
      for (List<String> b : batches.subList(0, 3)) {
        assertThat(b.stream().map(s -> s.substring(0, 3)).distinct()).hasSize(1);
      }
    }
  }

  @Test
  void selectionByFieldOrIdPattern() throws IOException {
    Path file = dir.resolve("typed.json");
    Files.writeString(
        file,
        "[{\"id\":\"conv_1\",\"type\":\"conversation\",\"conversations\":[{\"from\":\"human\","
            + "\"value\":\"a\"},{\"from\":\"gpt\",\"value\":\"b\"}]},{\"id\":\"detail_2\",\"type\":\"detail\","
            + "\"conversations\":[{\"from\":\"human\",\"value\":\"a\"},{\"from\":\"gpt\",\"value\":\"b\"}]}]");
    try (LlavaDataset byField =
            LlavaDataset.open(
                file,
                SampleFilter.fieldEquals("type", "conversation"),
                BadRowPolicy.FAIL,
                new DataStats());
        LlavaDataset byId =
            LlavaDataset.open(
                file, SampleFilter.idMatches("detail_.*"), BadRowPolicy.FAIL, new DataStats())) {
      assertThat(byField.size()).isEqualTo(1);
      assertThat(byField.sample(0).id()).isEqualTo("conv_1");
      assertThat(byId.size()).isEqualTo(1);
      assertThat(byId.sample(0).fields()).isEqualTo(Map.of("type", "detail"));
    }
  }

  @Test
  void buildNamesTheMissingPadToken() {
    try (LlavaDataset data =
        LlavaDataset.open(
            world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      assertThatThrownBy(
              () ->
                  DataLoader.builder()
                      .dataset(data)
                      .tokenizer(TemplateGoldenTest.LLAMA)
                      .template(V1)
                      .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "the tokenizer has no pad token: prepare it with LlavaVocabulary.forTraining (template vicuna_v1 "
                  + "pads with <unk>)");
      assertThatThrownBy(() -> DataLoader.builder().batchSize(2).batchSize(3))
          .hasMessage("batchSize was already set");
    }
  }

  @Test
  void workersPrepareAtMostThePrefetchWindowAhead() throws InterruptedException {
    AtomicInteger transformed = new AtomicInteger();
    ImageTransform counting =
        tinyTransform(
            image -> {
              transformed.incrementAndGet();
              return new float[48];
            });
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader l =
            DataLoader.builder()
                .dataset(data)
                .tokenizer(TOK)
                .template(V1)
                .imageRoot(ImageRoot.of(dir))
                .imageTransform(counting)
                .imageTokens(4)
                .batchSize(2)
                .prefetchBatches(2)
                .build()) {
      assertThat(l.hasNext()).isTrue();
      Thread.sleep(300); // give the workers time to run ahead, if they would
      // One batch taken off the window, which was refilled to two: three batches of two at most.
      assertThat(transformed.get()).isLessThanOrEqualTo(6);
      assertThat(ids(l)).hasSize(12);
      assertThat(transformed.get()).isEqualTo(12);
    }
  }

  @Test
  void aWorkerRunningOutOfMemoryNamesTheSampleAndItsImage() {
    ImageTransform exhausting =
        tinyTransform(
            image -> {
              throw new OutOfMemoryError("Java heap space");
            });
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader l =
            DataLoader.builder()
                .dataset(data)
                .tokenizer(TOK)
                .template(V1)
                .imageRoot(ImageRoot.of(dir))
                .imageTransform(exhausting)
                .imageTokens(4)
                .batchSize(2)
                .build()) {
      // the first batch's samples are drawn in a shuffled order: any of them may fail first
      assertThatThrownBy(() -> l.hasNext())
          .isInstanceOf(LntuneException.class)
          .hasMessageMatching(
              "sample (synth-\\d+) \\(image images/\\1\\.png\\): out of Java heap memory .*")
          .hasMessageContaining("LNTUNE_JAVA_OPTS=-Xmx");
    }
  }

  @Test
  void batchTensorsOutliveTheCallersScopeUntilClosed() {
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader l = loader(data).batchSize(2).build()) {
      Batch b;
      try (io.lntune.torch.TensorScope scope = io.lntune.torch.TensorScope.open()) {
        b = l.next();
      }
      assertThat(b.inputIds().isNull()).isFalse();
      assertThat(b.inputIds().size(0)).isEqualTo(2);
      org.bytedeco.pytorch.Tensor ids = b.inputIds();
      b.close();
      assertThat(ids.isNull()).isTrue();
      assertThatThrownBy(b::labels).hasMessage("batch is closed");
    }
  }

  @Test
  void batchesAreCollatedAheadOnTheWorkers() throws InterruptedException {
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader l = loader(data).batchSize(2).prefetchBatches(3).build()) {
      assertThat(l.hasNext())
          .isTrue(); // starts the workers: the first batch, then the window refilled to three
      waitForPending(l, 4);
      assertThat(l.pendingBatches()).hasSize(4);
      for (Batch b : l.pendingBatches()) {
        assertThat(b.inputIds().size(0)).isEqualTo(2); // stacked tensors already, not samples
      }
    }
  }

  @Test
  void closingEarlyClosesTheBatchesNotHandedOut() throws InterruptedException {
    List<Batch> pending;
    Batch taken;
    try (LlavaDataset data =
        LlavaDataset.open(
            world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      DataLoader l = loader(data).batchSize(2).prefetchBatches(3).build();
      taken = l.next();
      waitForPending(l, 3);
      pending = l.pendingBatches();
      l.close();
      assertThat(l.pendingBatches()).isEmpty();
      assertThatThrownBy(l::hasNext)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("the data loader is closed");
      l.close(); // twice is a no-op
    }
    assertThat(pending).hasSize(3).doesNotContain(taken);
    for (Batch b : pending) {
      assertThatThrownBy(b::inputIds).hasMessage("batch is closed");
    }
    assertThat(taken.inputIds().size(0))
        .isEqualTo(2); // the caller's batch is the caller's to close
    taken.close();
  }

  private static void waitForPending(DataLoader l, int batches) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (l.pendingBatches().size() < batches) {
      assertThat(System.nanoTime())
          .as("workers made " + l.pendingBatches().size() + " of " + batches + " batches")
          .isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void aLargeFileIsIndexedWithoutKeepingItsSamples() throws IOException {
    Path big = dir.resolve("big.json");
    try (var w = Files.newBufferedWriter(big)) {
      w.write("[");
      for (int i = 0; i < 20_000; i++) {
        w.write(
            (i > 0 ? "," : "")
                + "{\"id\":\"s"
                + i
                + "\",\"conversations\":[{\"from\":\"human\",\"value\":"
                + "\"Question "
                + i
                + "?\"},{\"from\":\"gpt\",\"value\":\"Answer "
                + i
                + ".\"}]}");
      }
      w.write("]");
    }
    try (LlavaDataset data =
        LlavaDataset.open(big, SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      assertThat(data.size()).isEqualTo(20_000);
      assertThat(data.sample(12_345).conversations().get(1).value()).isEqualTo("Answer 12345.");
      assertThat(data.modalityLength(7)).isEqualTo(-4);
    }
  }
}
