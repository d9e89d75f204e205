package io.lntune.training.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.TensorScope;
import io.lntune.torch.TestTensors;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ClipTransform;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerStatesTest {
  private static final ConversationTemplate V1 = ConversationTemplate.forName("vicuna_v1");
  private static final Tokenizer TOK =
      Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"))
          .withPadToken(V1.padToken());
  @TempDir static Path dir;
  static SyntheticWorld.Summary world;

  @BeforeAll
  static void world() {
    world = new SyntheticWorld(10, 3, 16, 0).generate(dir);
  }

  private static Tensor pooled(LlavaModel model, int batchSize, Pooling pooling) {
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader loader =
            DataLoader.builder()
                .dataset(data)
                .tokenizer(TOK)
                .template(V1)
                .imageRoot(ImageRoot.of(world.imageRoot()))
                .imageTransform(ClipTransform.forModel(model.config()))
                .imageTokens((int) model.config().imageTokens())
                .batchSize(batchSize)
                .ordering(DataLoaderBuilder.Ordering.SEQUENTIAL)
                .badRows(BadRowPolicy.FAIL)
                .build()) {
      return LayerStates.pooled(model, loader, pooling);
    }
  }

  /**
   * With attention and MLP outputs zeroed, every block passes its input through: all layers hold
   * the same states.
   */
  @Test
  void layersThatPassTheirInputThroughAreIdentical() {
    try (LlavaModel model = TinyLlava.random(5, 32001);
        TensorScope scope = TensorScope.open()) {
      try (NoGradGuard g = new NoGradGuard()) {
        model
            .languageModel()
            .blockLinears()
            .forEach(
                (name, linear) -> {
                  if (name.endsWith("o_proj") || name.endsWith("down_proj")) {
                    linear.weight().zero_();
                  }
                });
      }
      Tensor pooled = pooled(model, 4, Pooling.MEAN);
      assertThat(TestTensors.shape(pooled))
          .containsExactly(
              10, model.config().text().numHiddenLayers(), model.config().text().hiddenSize());
      LayerSimilarity s = LayerSimilarity.of(pooled);
      assertThat(s.meanCosine()).isCloseTo(1, within(1e-9));
      assertThat(s.meanCka()).isCloseTo(1, within(1e-9));
    }
  }

  @Test
  void randomLayersDifferAndEachAddsToTheResidualStream() {
    try (LlavaModel model = TinyLlava.random(6, 32001);
        TensorScope scope = TensorScope.open()) {
      LayerSimilarity s = LayerSimilarity.of(pooled(model, 4, Pooling.MEAN));
      assertThat(s.cosine()[0][1]).isLessThan(0.999);
      assertThat(s.cka()[0][1]).isLessThan(0.999);
    }
  }

  /**
   * A sample's pooled states are the same alone as in a padded batch: padding never enters the
   * pooling.
   */
  @Test
  void poolingLeavesPaddingOut() {
    for (Pooling pooling : Pooling.values()) {
      try (LlavaModel model = TinyLlava.random(7, 32001);
          TensorScope scope = TensorScope.open()) {
        double[] batched = TestTensors.doubles(pooled(model, 5, pooling));
        double[] alone = TestTensors.doubles(pooled(model, 1, pooling));
        assertThat(batched).as("%s", pooling).containsExactly(alone, within(1e-5));
      }
    }
  }
}
