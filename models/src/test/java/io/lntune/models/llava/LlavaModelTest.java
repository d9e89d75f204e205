package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.TestTensors;
import io.lntune.torch.Torch;
import io.lntune.torch.pytorch.TorchSaveWriter;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LlavaModelTest {
  private static LlavaModel model;
  @TempDir Path dir;

  @BeforeAll
  static void build() {
    model = TinyLlava.random(21);
  }

  @AfterAll
  static void release() {
    model.close();
  }

  private static final long IMG = LlavaConfig.IMAGE_TOKEN_INDEX;

  static Tensor pixels(int n) {
    Torch.seed(n);
    return randn(n, 3, 16, 16);
  }

  /**
   * Row 0: text, image, text, image, text; row 1: image first, then text, then right padding; some
   * text supervised.
   */
  static LlavaInput twoRowsOfThreeImages() {
    Tensor ids = Tensor.create(new long[] {1, 5, IMG, 7, IMG, 9, 11, 1, IMG, 4, 8, 0, 0, 0}, 2, 7);
    Tensor mask = Tensor.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, 2, 7);
    Tensor labels =
        Tensor.create(
            new long[] {-100, -100, -100, 7, -100, 9, 11, -100, -100, 4, 8, -100, -100, -100},
            2,
            7);
    return LlavaInput.of(ids).withAttentionMask(mask).withLabels(labels).withPixels(pixels(3));
  }

  @Test
  void splicedPositionsCarryTheProjectorOutputAndTextPositionsTheEmbeddings() {
    long p = model.config().imageTokens(); // 16 patches of the tiny tower
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      LlavaInput input = twoRowsOfThreeImages();
      Tensor ids = input.ids();
      Tensor mask = input.attentionMask().orElseThrow();
      Tensor labels = input.labels().orElseThrow();
      Tensor pix = input.pixels().orElseThrow();
      Tensor images = model.imageFeatures(pix); // [3, P, D]
      Tensor embeds = model.languageModel().embed(SplicedSequence.embeddable(ids));
      SplicedSequence s = SplicedSequence.of(ids, mask, labels, embeds, images, 1000);
      long length0 = 5 + 2 * p;
      assertThat(s.embeds().size(1)).isEqualTo(length0);
      Tensor row0 = s.embeds().select(0, 0);
      assertThat(row0.narrow(0, 0, 2).equal(embeds.select(0, 0).narrow(0, 0, 2))).isTrue();
      assertThat(row0.narrow(0, 2, p).equal(images.select(0, 0))).as("first image").isTrue();
      assertThat(row0.narrow(0, 2 + p, 1).equal(embeds.select(0, 0).narrow(0, 3, 1))).isTrue();
      assertThat(row0.narrow(0, 3 + p, p).equal(images.select(0, 1))).as("second image").isTrue();
      assertThat(row0.narrow(0, 3 + 2 * p, 2).equal(embeds.select(0, 0).narrow(0, 5, 2))).isTrue();
      Tensor row1 = s.embeds().select(0, 1);
      assertThat(row1.narrow(0, 1, p).equal(images.select(0, 2)))
          .as("third image, in row 1")
          .isTrue();
      long length1 = 3 + p; // 1, image, 4, 8
      assertThat(row1.narrow(0, length1, length0 - length1).abs().sum().item_double())
          .as("zero padding")
          .isZero();
      assertThat(s.attentionMask().select(0, 1).sum().item_long()).isEqualTo(length1);
      // labels: image positions -100, text labels carried over
      assertThat(s.labels().select(0, 0).ne(new Scalar(-100L)).sum().item_long()).isEqualTo(3);
      assertThat(s.labels().select(0, 0).select(0, 2 + p).item_long()).isEqualTo(7);
    }
  }

  @Test
  void lossCountsOnlySupervisedPositions() {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensor.create(new long[] {1, IMG, 7, 9, 11, 13}, 1, 6);
      Tensor labels = Tensor.create(new long[] {-100, -100, -100, 9, 11, -100}, 1, 6);
      LlavaOutput out = model.forward(LlavaInput.of(ids).withLabels(labels).withPixels(pixels(1)));
      CausalLmLoss.Result loss = out.loss().orElseThrow();
      assertThat(loss.tokens()).isEqualTo(2);
      // by hand: the logits that predict 9 and 11 sit just before them in the spliced sequence
      long p = model.config().imageTokens();
      Tensor logp = out.logits().select(0, 0).log_softmax(-1);
      double expected =
          -logp.select(0, 1 + p).select(0, 9).item_double()
              - logp.select(0, 2 + p).select(0, 11).item_double();
      assertThat(loss.sum().item_double()).isCloseTo(expected, Offset.offset(1e-4));
    }
  }

  @Test
  void trainingLossRunsTheHeadOnSupervisedPositionsWithTheSameValueAndGradients() {
    try (LlavaModel trained = TinyLlava.random(22);
        TensorScope scope = TensorScope.open()) {
      LlavaInput input = twoRowsOfThreeImages(); // most spliced positions predict nothing
      Map<String, Tensor> params = new LinkedHashMap<>(Modules.namedParameters(trained));
      params.keySet().removeIf(name -> name.contains("vision_tower")); // LLaVA's frozen tower
      params.values().forEach(p -> p.requires_grad_(true));
      CausalLmLoss.Result full = trained.forward(input).loss().orElseThrow();
      full.sum().backward();
      Map<String, Tensor> reference = new LinkedHashMap<>();
      params.forEach((name, p) -> reference.put(name, p.grad().clone()));
      params.values().forEach(p -> p.grad().zero_());

      CausalLmLoss.Result selected = trained.loss(input);
      selected.sum().backward();

      assertThat(selected.tokens()).isEqualTo(full.tokens()).isEqualTo(5);
      assertThat(selected.sum().item_double())
          .isCloseTo(full.sum().item_double(), Offset.offset(1e-5));
      reference.forEach(
          (name, expected) ->
              assertThat(params.get(name).grad().sub(expected).abs().max().item_double())
                  .as(name)
                  .isLessThan(1e-5));
      assertThat(reference.get("lm_head.weight").abs().sum().item_double())
          .as("the head gets a gradient")
          .isPositive();
    }
  }

  @Test
  void trainingLossNeedsLabels() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor ids = Tensor.create(new long[] {1, IMG, 7}, 1, 3);
      assertThatThrownBy(() -> model.loss(LlavaInput.of(ids).withPixels(pixels(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("the loss needs labels: the input has none");
    }
  }

  @Test
  void placeholdersAndImagesMustPairUp() {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensor.create(new long[] {1, IMG, 7, IMG}, 1, 4);
      assertThatThrownBy(() -> model.forward(LlavaInput.of(ids).withPixels(pixels(1))))
          .hasMessageContaining("more image placeholders (-200) than the 1 images given");
      Tensor one = Tensor.create(new long[] {1, IMG, 7}, 1, 3);
      assertThatThrownBy(() -> model.forward(LlavaInput.of(one).withPixels(pixels(2))))
          .hasMessageContaining("2 images were given but the input ids hold 1 image placeholders");
    }
  }

  @Test
  void truncationCountsImagePositions() {
    LlavaConfig c = LlavaConfigs.tiny();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensor.create(new long[] {1, IMG, 7, 9}, 1, 4);
      Tensor embeds = model.languageModel().embed(SplicedSequence.embeddable(ids));
      SplicedSequence s =
          SplicedSequence.of(
              ids, null, null, embeds, model.imageFeatures(pixels(1)), c.imageTokens() + 2);
      assertThat(s.embeds().size(1)).isEqualTo(c.imageTokens() + 2);
    }
  }

  @Test
  void everyLayoutLoadsWithIdenticalOutputs() throws Exception {
    Path[] dirs = {
      TinyLlava.original(model, dir.resolve("original"), true),
      TinyLlava.original(model, dir.resolve("original-separate-tower"), false),
      TinyLlava.originalPyTorch(model, dir.resolve("original-pytorch-shards")),
      TinyLlava.llavaHf(model, dir.resolve("hf"), LlavaKeys.Layout.LLAVA_HF),
      TinyLlava.llavaHf(model, dir.resolve("hf-v5"), LlavaKeys.Layout.LLAVA_HF_V5)
    };
    Tensor ids = Tensor.create(new long[] {1, IMG, 7, 9, 11}, 1, 5);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor expected = model.forward(LlavaInput.of(ids).withPixels(pixels(1))).logits();
      Tensor hfIds =
          Tensor.create(new long[] {1, 32000, 7, 9, 11}, 1, 5); // llava-hf's own <image> id
      for (Path d : dirs) {
        LlavaModel loaded = LlavaModel.load(d, Placement.cpu(DType.F32));
        assertThat(
                loaded.forward(LlavaInput.of(ids).withPixels(pixels(1))).logits().equal(expected))
            .as(d.getFileName().toString())
            .isTrue();
        if (loaded.config().imageTokenIndex() == 32000) {
          assertThat(
                  loaded
                      .forward(LlavaInput.of(hfIds).withPixels(pixels(1)))
                      .logits()
                      .equal(expected))
              .isTrue();
        }
        loaded.close();
      }
    }
  }

  @Test
  void pytorchShardsLoadEveryWeightBitExactly() throws Exception {
    LlavaModel loaded =
        LlavaModel.load(
            TinyLlava.originalPyTorch(model, dir.resolve("llava")), Placement.cpu(DType.F32));
    Map<String, Tensor> want = Modules.namedParameters(model);
    Map<String, Tensor> got = Modules.namedParameters(loaded);
    assertThat(got.keySet()).isEqualTo(want.keySet());
    want.forEach(
        (k, v) -> assertThat(TestTensors.bytes(got.get(k))).as(k).isEqualTo(TestTensors.bytes(v)));
    loaded.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"mm_projector.safetensors", "mm_projector.bin"})
  void standAloneProjectorLoads(String name) throws Exception {
    Path file = dir.resolve(name);
    Map<String, Tensor> projector = new LinkedHashMap<>();
    Modules.namedParameters(model)
        .forEach(
            (k, v) -> {
              if (k.startsWith("model.mm_projector.")) {
                projector.put(k, v);
              }
            });
    if (name.endsWith(".bin")) {
      TorchSaveWriter.write(file, projector);
    } else {
      SafetensorsWriter.write(file, projector);
    }
    LlavaModel fresh = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    fresh.loadProjector(file);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor features = randn(2, 16, 32);
      assertThat(fresh.projector().forward(features).equal(model.projector().forward(features)))
          .isTrue();
    }
    fresh.close();
  }
}
