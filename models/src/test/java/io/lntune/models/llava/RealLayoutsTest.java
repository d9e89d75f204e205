package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published repositories' files (shrunk) with random weights in their layouts: what lntune
 * reads from each, the shape of the index, and that llava-hf's own image token works as LLaVA's
 * placeholder.
 */
class RealLayoutsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static Tensor pixels() {
    Torch.seed(5);
    return randn(1, 3, 336, 336);
  }

  @Test
  void llavaHfReadsItsOwnImageTokenPadAndVocabulary() throws Exception {
    Path d = TinyLlava.real(RealRepo.LLAVA_HF, dir.resolve("llava-1.5-7b-hf"), 1);
    LlavaConfig c = LlavaConfig.read(d);
    assertThat(c.imageTokenIndex()).isEqualTo(32000);
    assertThat(c.text().padTokenId()).isEqualTo(32001);
    assertThat(c.text().vocabSize()).isEqualTo(32064);
    assertThat(c.imageTokens()).isEqualTo(576);
    assertThat(c.featureSelection())
        .isEqualTo(new FeatureSelection(-2, FeatureSelection.Tokens.PATCH));
    Tokenizer tok = Tokenizer.load(d);
    assertThat(tok.isLegacy()).isFalse();
    assertThat(tok.tokenId("<image>")).hasValue(32000);
    assertThat(tok.specialTokens().pad()).isEqualTo(32001);
    assertThat(tok.vocabSize()).isEqualTo(32002);
    assertThat(tok.modelMaxLength()).isEmpty(); // 1e30: no limit
    try (LlavaModel m = LlavaModel.load(d, Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor pix = pixels();
      int[] own = tok.encodeForModel("USER: <image>\nWhat is in the picture? ASSISTANT:");
      assertThat(own).contains(32000);
      long[] llava = new long[own.length];
      for (int i = 0; i < own.length; i++) {
        llava[i] = own[i] == 32000 ? LlavaConfig.IMAGE_TOKEN_INDEX : own[i];
      }
      long[] ownIds = Arrays.stream(own).asLongStream().toArray();
      Tensor a =
          m.forward(LlavaInput.of(Tensor.create(ownIds, 1, own.length)).withPixels(pix)).logits();
      Tensor b =
          m.forward(LlavaInput.of(Tensor.create(llava, 1, llava.length)).withPixels(pix)).logits();
      assertThat(a.size(1)).isEqualTo(own.length - 1 + 576);
      assertThat(a.size(2)).isEqualTo(32064);
      assertThat(a.equal(b)).as("32000 and -200 both mark the image").isTrue();
    }
  }

  @Test
  void indexMapsEveryShardedKeyAndCountsItsBytes() throws Exception {
    Path d = TinyLlava.real(RealRepo.LLAVA_HF, dir.resolve("hf"), 2);
    JsonNode index = JSON.readTree(d.resolve("model.safetensors.index.json").toFile());
    Map<String, String> expected = new HashMap<>();
    long bytes = 0;
    for (int s = 1; s <= 3; s++) {
      String file = String.format("model-%05d-of-00003.safetensors", s);
      try (SafetensorsCheckpoint shard = SafetensorsCheckpoint.open(d.resolve(file))) {
        for (String name : shard.names()) {
          expected.put(name, file);
          bytes += shard.info(name).byteSize();
        }
      }
    }
    assertThat(expected)
        .containsKeys(
            "language_model.model.embed_tokens.weight",
            "language_model.lm_head.weight",
            "multi_modal_projector.linear_2.bias",
            "vision_tower.vision_model.post_layernorm.weight");
    Map<String, String> weightMap = new HashMap<>();
    index
        .get("weight_map")
        .fields()
        .forEachRemaining(e -> weightMap.put(e.getKey(), e.getValue().asText()));
    assertThat(weightMap).isEqualTo(expected);
    assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(bytes);
  }

  @Test
  void liuhaotianTakesItsTowerFromMmVisionTowerAndItsPadFromItsFiles() throws Exception {
    Path d = TinyLlava.real(RealRepo.LIUHAOTIAN, dir.resolve("llava-v1.5-7b"), 3);
    LlavaConfig c = LlavaConfig.read(d);
    assertThat(c.imageTokenIndex()).isEqualTo(LlavaConfig.IMAGE_TOKEN_INDEX);
    assertThat(c.visionTowerPath()).hasValue("openai/clip-vit-large-patch14-336");
    assertThat(c.projectorType()).isEqualTo(ProjectorType.mlpGelu(2));
    assertThat(c.imageAspectRatio()).isEqualTo("pad");
    assertThat(c.maxLength())
        .isEqualTo(2048); // the release's config has no tokenizer_model_max_length
    Tokenizer tok = Tokenizer.load(d);
    assertThat(tok.isLegacy()).isFalse();
    assertThat(tok.specialTokens().pad()).isZero(); // special_tokens_map.json: "<unk>"
    assertThat(tok.vocabSize()).isEqualTo(32000);
    assertThat(tok.modelMaxLength()).hasValue(2048);
    try (LlavaModel m = LlavaModel.load(d, Placement.cpu(DType.F32));
        SafetensorsCheckpoint clip =
            SafetensorsCheckpoint.open(d.resolve("openai/clip-vit-large-patch14-336"));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      assertThat(clip.names())
          .contains(
              "text_projection.weight", "logit_scale", "vision_model.embeddings.position_ids");
      Tensor q =
          Modules.namedParameters(m)
              .get(
                  "model.vision_tower.vision_tower.vision_model.encoder.layers.1"
                      + ".self_attn.q_proj.weight");
      assertThat(q.equal(clip.tensor("vision_model.encoder.layers.1.self_attn.q_proj.weight")))
          .isTrue();
      Tensor ids = Tensor.create(new long[] {1, LlavaConfig.IMAGE_TOKEN_INDEX, 1724, 338}, 1, 4);
      Tensor out = m.forward(LlavaInput.of(ids).withPixels(pixels())).logits();
      assertThat(out.size(1)).isEqualTo(3 + 576);
    }
  }

  @Test
  void stageOnesConnectorLoadsIntoTheFinetunedModel() throws Exception {
    Path pretrain = TinyLlava.real(RealRepo.PRETRAIN, dir.resolve("pretrain"), 4);
    LlavaConfig c = LlavaConfig.read(pretrain);
    assertThat(c.projectorType()).isEqualTo(ProjectorType.mlpGelu(2));
    assertThat(c.imageAspectRatio()).isEqualTo("square");
    Path d = TinyLlava.real(RealRepo.LIUHAOTIAN, dir.resolve("llava-v1.5-7b"), 5);
    try (LlavaModel m = LlavaModel.load(d, Placement.cpu(DType.F32));
        Checkpoint stage1 = Checkpoint.open(pretrain.resolve("mm_projector.bin"));
        TensorScope scope = TensorScope.open()) {
      assertThat(d.resolve("pytorch_model.bin.index.json"))
          .as("LLaVA's releases ship torch.save shards")
          .exists();
      m.loadProjector(pretrain.resolve("mm_projector.bin"));
      assertThat(stage1.names())
          .containsExactlyInAnyOrder(
              "model.mm_projector.0.weight",
              "model.mm_projector.0.bias",
              "model.mm_projector.2.weight",
              "model.mm_projector.2.bias");
      assertThat(
              Modules.namedParameters(m)
                  .get("model.mm_projector.2.weight")
                  .equal(stage1.tensor("model.mm_projector.2.weight")))
          .isTrue();
    }
  }

  @Test
  void clipRepositoryHoldsTheTowerAndItsPreprocessing() throws Exception {
    Path d = TinyLlava.real(RealRepo.CLIP, dir.resolve("clip"), 6);
    ClipImageProcessor p = ClipImageProcessor.read(d.resolve("preprocessor_config.json"));
    assertThat(p.shortestEdge()).isEqualTo(336);
    assertThat(p.cropSize()).isEqualTo(336);
    try (LlavaModel m =
        new LlavaModel(
            LlavaConfig.read(TinyLlava.real(RealRepo.PRETRAIN, dir.resolve("pre"), 7)),
            Placement.cpu(DType.F32))) {
      m.loadVisionTower(d); // a full CLIPModel checkpoint: the text half and the heads are skipped
      try (SafetensorsCheckpoint clip = SafetensorsCheckpoint.open(d);
          TensorScope scope = TensorScope.open()) {
        assertThat(m.visionTower().config().imageSize()).isEqualTo(336);
        assertThat(
                Modules.namedParameters(m.visionTower())
                    .get("vision_model.pre_layrnorm.weight")
                    .equal(clip.tensor("vision_model.pre_layrnorm.weight")))
            .isTrue();
      }
    }
  }
}
