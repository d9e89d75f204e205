package io.lntune.models.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.load.StateDictLoader;
import io.lntune.models.load.StateDictMismatchException;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.torch.safetensors.SafetensorsFile;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with an independent float64 reference (tools/scripts/make_clip_goldens.py): two random
 * tiny towers, one per activation and checkpoint layout, compared after every layer.
 */
class ClipVisionTowerTest {
  static final double TOLERANCE = 1e-4;

  static Path tower(String name) {
    try {
      return Path.of(ClipVisionTowerTest.class.getResource("towers/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static double maxAbsDiff(Tensor a, Tensor b) {
    assertThat(a.sizes().vec().get()).containsExactly(b.sizes().vec().get());
    return a.sub(b).abs().max().item_double();
  }

  @ParameterizedTest
  @ValueSource(strings = {"quick_gelu", "gelu"})
  void matchesTheReferenceAfterEveryLayer(String name) {
    Path dir = tower(name);
    ClipVisionTower tower = ClipVisionTower.load(dir, Placement.cpu(DType.F32));
    try (SafetensorsFile expected =
            SafetensorsFile.open(dir.resolveSibling(name + ".expected.safetensors"));
        TensorScope scope = TensorScope.open();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor pixels = expected.tensor("pixel_values");
      ClipVisionOutput out = tower.forward(pixels);
      Tensor hidden = expected.tensor("hidden_states");
      assertThat(out.hiddenStates()).hasSize(tower.config().numHiddenLayers() + 1);
      for (int i = 0; i < out.hiddenStates().size(); i++) {
        assertThat(maxAbsDiff(out.hiddenStates().get(i), hidden.select(0, i)))
            .as("%s hidden state %d", name, i)
            .isLessThan(TOLERANCE);
      }
      assertThat(maxAbsDiff(out.stackedHiddenStates(), hidden)).isLessThan(TOLERANCE);
      assertThat(maxAbsDiff(out.pooled(), expected.tensor("pooled_output")))
          .as("pooled")
          .isLessThan(TOLERANCE);

      FeatureSelection selection =
          new FeatureSelection(
              Integer.parseInt(expected.metadata().get("select_layer")),
              FeatureSelection.Tokens.parse(expected.metadata().get("select_feature")));
      Tensor features = expected.tensor("image_features");
      assertThat(maxAbsDiff(out.select(selection), features))
          .as("selected from the full pass")
          .isLessThan(TOLERANCE);
      assertThat(maxAbsDiff(tower.features(pixels, selection), features))
          .as("features(), which stops early")
          .isLessThan(TOLERANCE);
    }
  }

  @Test
  void registersExactlyTheVisionKeysOfTheCheckpoint() {
    Path dir = tower("quick_gelu");
    ClipVisionTower tower =
        new ClipVisionTower(
            ClipVisionConfig.read(dir.resolve("config.json")), Placement.meta(DType.F32));
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
      Set<String> vision =
          ckpt.names().stream()
              .filter(k -> k.startsWith("vision_model.") && !k.endsWith("position_ids"))
              .collect(Collectors.toSet());
      assertThat(Modules.namedParameters(tower).keySet())
          .containsExactlyInAnyOrderElementsOf(vision)
          .contains(
              "vision_model.pre_layrnorm.weight",
              "vision_model.embeddings.patch_embedding.weight",
              "vision_model.encoder.layers.2.self_attn.out_proj.bias");
      assertThat(ckpt.names())
          .contains(
              "text_model.final_layer_norm.weight",
              "logit_scale",
              "visual_projection.weight",
              "text_projection.weight",
              "vision_model.embeddings.position_ids");
    }
  }

  @Test
  void aCheckpointOfAnotherShapeFailsWithEveryProblemListed() {
    ClipVisionTower tower =
        new ClipVisionTower(
            ClipVisionConfig.read(tower("quick_gelu").resolve("config.json")),
            Placement.cpu(DType.F32));
    try (SafetensorsCheckpoint other = SafetensorsCheckpoint.open(tower("gelu"))) {
      assertThatThrownBy(
              () ->
                  StateDictLoader.load(
                      tower, other, ClipKeys.huggingFace(), Placement.cpu(DType.F32)))
          .isInstanceOfSatisfying(
              StateDictMismatchException.class,
              e -> {
                assertThat(e.missing())
                    .hasSize(16)
                    .allMatch(k -> k.startsWith("vision_model.encoder.layers.2."))
                    .contains("vision_model.encoder.layers.2.self_attn.q_proj.weight");
                assertThat(e.wrongShape())
                    .contains(
                        "vision_model.embeddings.class_embedding: checkpoint [24], model [16]",
                        "vision_model.embeddings.patch_embedding.weight: checkpoint [24, 3, 5, 5], model [16, 3, 4, 4]");
                assertThat(e.unexpected()).isEmpty();
              });
    }
  }

  @Test
  void vitL14_336SelectsA576By1024FeatureOnTheMetaDevice() {
    ClipVisionTower tower =
        new ClipVisionTower(ClipConfigs.vitL14_336(), Placement.meta(DType.F16));
    try (TensorScope scope = TensorScope.open();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor pixels = Placement.meta(DType.F32).empty(2, 3, 336, 336);
      assertThat(tower.features(pixels, FeatureSelection.llava()).sizes().vec().get())
          .containsExactly(2, 576, 1024);
      ClipVisionOutput all = tower.forward(pixels);
      assertThat(all.hiddenStates()).hasSize(25);
      assertThat(all.stackedHiddenStates().sizes().vec().get()).containsExactly(25, 2, 577, 1024);
      assertThat(all.pooled().sizes().vec().get()).containsExactly(2, 1024);
      assertThat(DType.of(all.lastHiddenState().scalar_type())).isEqualTo(DType.F16);
    }
  }

  @Test
  void vitL14HasTheParameterCountOfLlavaV1() {
    // 866,304 embeddings (class 1,024 + patches 1,024*3*14*14 + positions 257*1,024), 2 * 2,048 for
    // pre_layrnorm and
    // post_layernorm, 24 * 12,596,224 per layer (4 projections 1,024^2 + 1,024, fc1/fc2 with
    // biases, 2 norms).
    assertThat(
            Modules.parameterCount(
                new ClipVisionTower(ClipConfigs.vitL14(), Placement.meta(DType.F16))))
        .isEqualTo(303_179_776L);
    // At 336 px only the position table grows: 577 instead of 257 rows.
    assertThat(
            Modules.parameterCount(
                new ClipVisionTower(ClipConfigs.vitL14_336(), Placement.meta(DType.F16))))
        .isEqualTo(303_179_776L + 320L * 1024);
  }

  @Test
  void pixelsOfTheWrongSizeAreRejected() {
    ClipVisionTower tower = new ClipVisionTower(ClipConfigs.tiny(), Placement.meta(DType.F32));
    try (TensorScope scope = TensorScope.open()) {
      Tensor pixels = Placement.meta(DType.F32).empty(1, 3, 15, 16);
      assertThatThrownBy(() -> tower.features(pixels, FeatureSelection.llava()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "pixel values [1, 3, 15, 16] do not fit the tower: expected [batch, 3, 16, 16]");
      assertThatThrownBy(
              () ->
                  tower.features(
                      Placement.meta(DType.F32).empty(1, 3, 16, 16),
                      new FeatureSelection(-4, FeatureSelection.Tokens.PATCH)))
          .hasMessage(
              "select layer -4 is out of range for a tower of 2 layers: hidden states are 0..2 (or -3..-1)");
    }
  }

  @Test
  void featureSelectionIndexesHiddenStatesAsLlavaDoes() {
    assertThat(FeatureSelection.llava().hiddenStateIndex(24)).isEqualTo(23);
    assertThat(new FeatureSelection(-1, FeatureSelection.Tokens.PATCH).hiddenStateIndex(24))
        .isEqualTo(24);
    assertThat(new FeatureSelection(0, FeatureSelection.Tokens.PATCH).hiddenStateIndex(24))
        .isZero();
    assertThat(new FeatureSelection(-25, FeatureSelection.Tokens.PATCH).hiddenStateIndex(24))
        .isZero();
    assertThatThrownBy(
            () -> new FeatureSelection(25, FeatureSelection.Tokens.PATCH).hiddenStateIndex(24))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(FeatureSelection.Tokens.parse("CLS_PATCH"))
        .isEqualTo(FeatureSelection.Tokens.CLS_PATCH);
    assertThatThrownBy(() -> FeatureSelection.Tokens.parse("cls"))
        .hasMessage("unknown feature selection 'cls': expected patch or cls_patch");
    assertThat(FeatureSelection.llava()).hasToString("layer -2, patch");
  }
}
