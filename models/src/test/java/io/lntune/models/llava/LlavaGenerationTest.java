package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llama.Generator;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llama.StopCriterion;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlavaGenerationTest {
  private static final long IMG = LlavaConfig.IMAGE_TOKEN_INDEX;
  private static final GenerationConfig GREEDY = GenerationConfig.greedy(10).ignoringEos();
  private static LlavaModel model;

  @BeforeAll
  static void build() {
    model = TinyLlava.random(5);
  }

  @AfterAll
  static void release() {
    model.close();
  }

  private static Tensor pixels(long seed, int n) {
    Torch.seed(seed);
    return randn(n, 3, 16, 16);
  }

  /**
   * Greedy decoding that runs the whole spliced sequence again for every token: no cache, no
   * padding.
   */
  private static long[] withoutCache(long[] prompt, Tensor pixels, int steps) {
    LlamaModel llm = model.languageModel();
    long[] out = new long[steps];
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensor.create(prompt, 1, prompt.length);
      Tensor spliced =
          SplicedSequence.of(
                  ids,
                  null,
                  null,
                  llm.embed(SplicedSequence.embeddable(ids)),
                  pixels == null ? null : model.imageFeatures(pixels),
                  Long.MAX_VALUE)
              .embeds(); // [1, L, D]
      for (int s = 0; s < steps; s++) {
        Tensor logits = llm.logits(llm.hiddenStates(spliced));
        out[s] = logits.select(1, -1).argmax().item_long();
        spliced =
            cat(new TensorVector(spliced, llm.embed(Tensor.create(new long[] {out[s]}, 1, 1))), 1);
      }
    }
    return out;
  }

  @Test
  void kvCacheGenerationEqualsRecomputingEveryStep() {
    long[] prompt = {1, 17, IMG, 40, 99, 3};
    Tensor px = pixels(1, 1);
    long[] cached =
        model.generate(List.<long[]>of(prompt), px, GREEDY, StopCriterion.NEVER).get(0).tokens();
    assertThat(cached).hasSize(10).containsExactly(withoutCache(prompt, px, 10));
    long[] textOnly = {1, 8, 120, 33};
    assertThat(
            model.generate(List.<long[]>of(textOnly), GREEDY, StopCriterion.NEVER).get(0).tokens())
        .containsExactly(withoutCache(textOnly, null, 10));
  }

  @Test
  void batchedGenerationWithImagesEqualsOneByOne() {
    long[] a = {1, IMG, 5, 9, 200, 31, 8, 77};
    long[] b = {1, 12, IMG, 4};
    long[] c = {1, 60, 61}; // no image: pixels pair with a and b only
    Tensor pa = pixels(2, 1);
    Tensor pb = pixels(3, 1);
    List<Generator.Output> batch;
    try (TensorScope scope = TensorScope.open()) {
      batch =
          model.generate(
              List.of(a, b, c), cat(new TensorVector(pa, pb), 0), GREEDY, StopCriterion.NEVER);
    }
    assertThat(batch.get(0).tokens())
        .containsExactly(
            model.generate(List.<long[]>of(a), pa, GREEDY, StopCriterion.NEVER).get(0).tokens());
    assertThat(batch.get(1).tokens())
        .containsExactly(
            model.generate(List.<long[]>of(b), pb, GREEDY, StopCriterion.NEVER).get(0).tokens());
    assertThat(batch.get(2).tokens())
        .containsExactly(
            model.generate(List.<long[]>of(c), GREEDY, StopCriterion.NEVER).get(0).tokens());
    assertThat(batch.get(0).tokens())
        .as("the image matters")
        .isNotEqualTo(
            model.generate(List.<long[]>of(a), pb, GREEDY, StopCriterion.NEVER).get(0).tokens());
  }

  @Test
  void aStopCriterionEndsOnlyItsSequence() {
    long[] a = {1, IMG, 5, 9};
    long[] b = {1, IMG, 7};
    Tensor px = pixels(4, 2);
    List<Generator.Output> free = model.generate(List.of(a, b), px, GREEDY, StopCriterion.NEVER);
    long third = free.get(0).tokens()[2];
    List<Long> seen = new ArrayList<>();
    StopCriterion atThird =
        (seq, tokens) -> {
          seen.add((long) seq);
          return seq == 0 && tokens.length == 3;
        };
    List<Generator.Output> stopped = model.generate(List.of(a, b), px, GREEDY, atThird);
    assertThat(stopped.get(0).tokens()).containsExactly(Arrays.copyOf(free.get(0).tokens(), 3));
    assertThat(stopped.get(0).tokens()[2]).isEqualTo(third);
    assertThat(stopped.get(0).stoppedAtEos()).isFalse();
    assertThat(stopped.get(1).tokens()).containsExactly(free.get(1).tokens());
    assertThat(seen).contains(0L, 1L);
  }
}
