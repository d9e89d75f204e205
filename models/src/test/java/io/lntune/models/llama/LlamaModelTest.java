package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.cat;

import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlamaModelTest {
  private static LlamaModel model;

  @BeforeAll
  static void build() {
    model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.2, 42);
  }

  @AfterAll
  static void release() {
    model.close();
  }

  static Tensor ids(long... values) {
    return Tensor.create(values, 1, values.length);
  }

  static double maxDiff(Tensor a, Tensor b) {
    return a.sub(b).abs().max().item_double();
  }

  @Test
  void kvCacheDecodingMatchesFullRecomputation() {
    long[] tokens = {1, 17, 99, 4, 250, 31, 8, 77, 120, 5, 64, 200};
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard();
        KvCache cache = model.newCache(1, tokens.length)) {
      Tensor full = model.forward(ids(tokens)); // [1, 12, V]
      Tensor all = ids(tokens);
      Tensor prefill = model.logits(model.hiddenStates(model.embed(all.narrow(1, 0, 5)), cache));
      Tensor chunk =
          model.logits(model.hiddenStates(model.embed(all.narrow(1, 5, 3)), cache)); // past 5, T 3
      TensorVector parts = new TensorVector(prefill, chunk);
      for (int t = 8; t < tokens.length; t++) {
        parts.push_back(model.logits(model.hiddenStates(model.embed(all.narrow(1, t, 1)), cache)));
      }
      Tensor incremental = cat(parts, 1);
      assertThat(cache.length()).isEqualTo(tokens.length);
      assertThat(maxDiff(incremental, full)).isLessThan(1e-5);
      assertThat(full.abs().max().item_double()).isGreaterThan(0.1);
    }
  }

  @Test
  void paddingDoesNotChangeTheRealPositions() {
    long[] a = {1, 17, 99, 4, 250, 31, 8};
    long[] b = {1, 120, 5, 64};
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor aloneA = model.forward(ids(a));
      Tensor aloneB = model.forward(ids(b));
      // left padding (generation) and right padding (training batches)
      Tensor left =
          Tensor.create(new long[] {1, 17, 99, 4, 250, 31, 8, 0, 0, 0, 1, 120, 5, 64}, 2, 7);
      Tensor leftMask = Tensor.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1}, 2, 7);
      Tensor leftLogits = model.logits(model.hiddenStates(model.embed(left), leftMask));
      assertThat(maxDiff(leftLogits.select(0, 0), aloneA.select(0, 0))).isLessThan(1e-5);
      assertThat(maxDiff(leftLogits.select(0, 1).narrow(0, 3, 4), aloneB.select(0, 0)))
          .isLessThan(1e-5);

      Tensor right =
          Tensor.create(new long[] {1, 17, 99, 4, 250, 31, 8, 1, 120, 5, 64, 0, 0, 0}, 2, 7);
      Tensor rightMask = Tensor.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, 2, 7);
      Tensor rightLogits = model.logits(model.hiddenStates(model.embed(right), rightMask));
      assertThat(maxDiff(rightLogits.select(0, 1).narrow(0, 0, 4), aloneB.select(0, 0)))
          .isLessThan(1e-5);
      assertThat(rightLogits.isfinite().all().item_bool()).as("padded rows stay finite").isTrue();
    }
  }

  @Test
  void greedyGenerationIsDeterministicAndBatchesLikeSingleRuns() {
    long[] a = {1, 17, 99, 4, 250};
    long[] b = {1, 120};
    GenerationConfig greedy = GenerationConfig.greedy(12).ignoringEos();
    List<Generator.Output> batch = Generator.generate(model, List.of(a, b), greedy);
    long[] aloneA = Generator.generate(model, List.of(a), greedy).get(0).tokens();
    long[] aloneB = Generator.generate(model, List.of(b), greedy).get(0).tokens();
    assertThat(aloneA).hasSize(12);
    assertThat(batch.get(0).tokens()).containsExactly(aloneA);
    assertThat(batch.get(1).tokens()).containsExactly(aloneB);
    assertThat(Generator.generate(model, List.of(a), greedy).get(0).tokens())
        .containsExactly(aloneA);

    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      long first = model.forward(ids(a)).select(1, -1).argmax().item_long();
      assertThat(aloneA[0])
          .as("the first greedy token is the argmax of the prompt's last logits")
          .isEqualTo(first);
    }
  }

  @Test
  void samplingRepeatsForASeed() {
    long[] prompt = {1, 17, 99};
    GenerationConfig sampled =
        GenerationConfig.greedy(16).ignoringEos().withSampling(1.5, 0, 1.0, 7);
    long[] first = Generator.generate(model, List.of(prompt), sampled).get(0).tokens();
    long[] again = Generator.generate(model, List.of(prompt), sampled).get(0).tokens();
    long[] other =
        Generator.generate(model, List.of(prompt), sampled.withSampling(1.5, 0, 1.0, 8))
            .get(0)
            .tokens();
    assertThat(again).containsExactly(first);
    assertThat(other).isNotEqualTo(first);
    long[] greedy =
        Generator.generate(model, List.of(prompt), GenerationConfig.greedy(16).ignoringEos())
            .get(0)
            .tokens();
    assertThat(
            Generator.generate(model, List.of(prompt), sampled.withSampling(1.5, 1, 1.0, 9))
                .get(0)
                .tokens())
        .as("top-k 1 is greedy")
        .containsExactly(greedy);
    assertThat(
            Generator.generate(model, List.of(prompt), sampled.withSampling(1.5, 0, 1e-6, 9))
                .get(0)
                .tokens())
        .as("a vanishing top-p keeps only the most likely token")
        .containsExactly(greedy);
  }

  @Test
  void stopsAtEndOfSequence() {
    long[] prompt = {1, 17, 99};
    long[] free =
        Generator.generate(model, List.of(prompt), GenerationConfig.greedy(10).ignoringEos())
            .get(0)
            .tokens();
    // Make the third greedy token the end-of-sequence id by declaring it so.
    LlamaConfig c = model.config();
    LlamaConfig stopping =
        new LlamaConfig(
            c.hiddenSize(),
            c.intermediateSize(),
            c.numHiddenLayers(),
            c.numAttentionHeads(),
            c.numKeyValueHeads(),
            c.rmsNormEps(),
            c.ropeTheta(),
            c.ropeLinearFactor(),
            c.vocabSize(),
            c.maxPositionEmbeddings(),
            c.tieWordEmbeddings(),
            c.bosTokenId(),
            List.of(free[2]),
            c.padTokenId(),
            c.torchDtype());
    LlamaModel same = new LlamaModel(stopping, Placement.cpu(DType.F32));
    Init.normal(same, 0.2, 42);
    Generator.Output out =
        Generator.generate(same, List.of(prompt), GenerationConfig.greedy(10)).get(0);
    int stop = 0;
    while (free[stop] != free[2]) {
      stop++;
    }
    assertThat(out.stoppedAtEos()).isTrue();
    assertThat(out.tokens()).containsExactly(Arrays.copyOf(free, stop));
    same.close();
  }

  @Test
  void llama2_13bBuildsOnMetaWithoutMemory() {
    long before = MemoryStats.residentBytes();
    long start = System.nanoTime();
    LlamaModel big = new LlamaModel(LlamaConfigs.llama2_13b(), Placement.meta(DType.F16));
    double seconds = (System.nanoTime() - start) / 1e9;
    long grown = MemoryStats.residentBytes() - before;
    System.out.printf(
        "LLaMA-2-13B on meta: %.3f s, rss %+d MiB, %,d parameters%n",
        seconds, grown >> 20, big.parameterCount());
    assertThat(big.parameterCount()).isEqualTo(13_015_864_320L);
    assertThat(seconds).isLessThan(1.0);
    assertThat(grown).as("no weights allocated").isLessThan(64L << 20);
    big.close();
  }
}
