package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaKeys;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.ProjectorType;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedCheckpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Path tokenizerFiles() throws Exception {
    Path tokenizer = Files.createDirectories(dir.resolve("base"));
    Files.writeString(tokenizer.resolve("tokenizer_config.json"), "{\"add_bos_token\": true}");
    Files.write(tokenizer.resolve("tokenizer.model"), new byte[] {1, 2, 3});
    return tokenizer;
  }

  private static Set<String> hidden(Path dir) throws Exception {
    try (var files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("."))
          .collect(Collectors.toSet());
    }
  }

  @Test
  void theOriginalLayoutNamesItsTowerByAbsolutePathAndLoadsBack() throws Exception {
    LlavaModel trained = ExportTest.base();
    LoraConfig lora = new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS);
    Lora.attach(trained.languageModel().blockLinears(), lora, 2);
    ExportTest.perturb(trained, Selection.of(Strategy.LORA));
    Path out = dir.resolve("llava-merged");
    MergedCheckpoint.write(
        out,
        trained,
        ExportTensors.of(trained).withLora(lora),
        MergedLayout.ORIGINAL,
        tokenizerFiles());

    JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
    Path tower = out.toAbsolutePath().resolve("vision_tower");
    assertThat(config.get("mm_vision_tower").asText()).isEqualTo(tower.toString());
    assertThat(config.get("mm_projector_type").asText()).isEqualTo("mlp2x_gelu");
    assertThat(config.get("architectures").toString()).isEqualTo("[\"LlavaLlamaForCausalLM\"]");
    for (String f :
        new String[] {
          "model.safetensors",
          "preprocessor_config.json",
          "tokenizer.model",
          "tokenizer_config.json",
          "vision_tower/config.json",
          "vision_tower/model.safetensors",
          "vision_tower/preprocessor_config.json"
        }) {
      assertThat(out.resolve(f)).exists();
    }
    ClipImageProcessor processor =
        ClipImageProcessor.read(tower.resolve("preprocessor_config.json"));
    assertThat(processor.shortestEdge()).isEqualTo(16);
    assertThat(processor.cropSize()).isEqualTo(16);
    try (SafetensorsCheckpoint main = SafetensorsCheckpoint.open(out.resolve("model.safetensors"));
        SafetensorsCheckpoint clip = SafetensorsCheckpoint.open(tower)) {
      assertThat(main.names())
          .contains("model.mm_projector.0.weight", "lm_head.weight")
          .noneMatch(n -> n.contains("vision_tower") || n.contains("lora_"));
      assertThat(clip.names())
          .contains("vision_model.pre_layrnorm.weight", "vision_model.post_layernorm.bias");
    }
    assertThat(hidden(dir)).isEmpty();
    LlavaModel loaded = LlavaModel.load(out, Placement.cpu(DType.F32));
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      assertThat(
              ExportTest.logits(loaded).sub(ExportTest.logits(trained)).abs().max().item_double())
          .isLessThan(1e-5);
    }
    trained.close();
    loaded.close();
  }

  @Test
  void theLlavaHfLayoutGainsAnImageTokenAndLoadsBack() throws Exception {
    LlavaModel trained = ExportTest.base();
    Selection s = Selection.of(Strategy.LAYERNORM);
    ExportTest.perturb(trained, s);
    Path out = dir.resolve("llava-hf-merged");
    MergedCheckpoint.write(
        out, trained, ExportTensors.of(trained), MergedLayout.LLAVA_HF, tokenizerFiles());

    long vocab = trained.config().text().vocabSize(); // 256: <image> 256, <pad> 257, rows 320
    JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
    assertThat(config.get("image_token_index").asLong()).isEqualTo(vocab);
    assertThat(config.get("pad_token_id").asLong()).isEqualTo(vocab + 1);
    assertThat(config.get("vocab_size").asLong()).isEqualTo(320);
    assertThat(config.at("/text_config/vocab_size").asLong()).isEqualTo(320);
    assertThat(JSON.readTree(out.resolve("added_tokens.json").toFile()).toString())
        .isEqualTo("{\"<image>\":256,\"<pad>\":257}");
    assertThat(
            JSON.readTree(out.resolve("special_tokens_map.json").toFile())
                .get("pad_token")
                .asText())
        .isEqualTo("<pad>");
    JsonNode processor = JSON.readTree(out.resolve("processor_config.json").toFile());
    assertThat(processor.get("patch_size").asInt()).isEqualTo(4);
    assertThat(processor.get("vision_feature_select_strategy").asText()).isEqualTo("default");
    Set<String> expected =
        Modules.namedParameters(trained).keySet().stream()
            .map(n -> LlavaKeys.toCheckpoint(n, LlavaKeys.Layout.LLAVA_HF))
            .collect(Collectors.toSet());
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(out)) {
      assertThat(ckpt.names())
          .containsExactlyInAnyOrderElementsOf(expected)
          .contains(
              "language_model.model.layers.1.input_layernorm.weight",
              "language_model.lm_head.weight",
              "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight",
              "multi_modal_projector.linear_1.weight",
              "multi_modal_projector.linear_2.bias");
      assertThat(ckpt.info("language_model.model.embed_tokens.weight").shape())
          .containsExactly(320, 64);
    }

    LlavaModel loaded = LlavaModel.load(out, Placement.cpu(DType.F32));
    assertThat(loaded.config().imageTokenIndex()).isEqualTo(vocab);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Torch.seed(1);
      Tensor pixels = org.bytedeco.pytorch.global.torch.randn(1, 3, 16, 16);
      Tensor ids = Tensor.create(new long[] {1, vocab, 7, 9}, 1, 4);
      Tensor hf =
          loaded.forward(LlavaInput.of(ids).withPixels(pixels)).logits().narrow(2, 0, vocab);
      assertThat(hf.sub(ExportTest.logits(trained)).abs().max().item_double()).isLessThan(1e-5);
    }
    trained.close();
    loaded.close();
  }

  @Test
  void anUntouchedTowerKeepsTheModelIdItCameFromATrainedOneIsWritten() throws Exception {
    LlavaConfig tiny = LlavaConfigs.tiny();
    LlavaModel model =
        new LlavaModel(
            new LlavaConfig(
                tiny.text(),
                tiny.vision(),
                tiny.projectorType(),
                tiny.featureSelection(),
                tiny.imageTokenIndex(),
                false,
                "pad",
                256,
                Optional.of("openai/clip-vit-large-patch14-336")),
            Placement.cpu(DType.F32));
    Init.normal(model, 0.2, 3);
    TrainableParameters norms =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM), true);
    Path untouched = dir.resolve("llava-norms");
    MergedCheckpoint.write(untouched, model, ExportTensors.of(model, norms), MergedLayout.ORIGINAL);
    assertThat(
            JSON.readTree(untouched.resolve("config.json").toFile())
                .get("mm_vision_tower")
                .asText())
        .isEqualTo("openai/clip-vit-large-patch14-336");
    assertThat(untouched.resolve("vision_tower")).doesNotExist();

    TrainableParameters withTower =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM).withVisionNorms(), true);
    Path trainedTower = dir.resolve("llava-vision-norms");
    MergedCheckpoint.write(
        trainedTower, model, ExportTensors.of(model, withTower), MergedLayout.ORIGINAL);
    assertThat(
            JSON.readTree(trainedTower.resolve("config.json").toFile())
                .get("mm_vision_tower")
                .asText())
        .isEqualTo(trainedTower.toAbsolutePath().resolve("vision_tower").toString());
    assertThat(trainedTower.resolve("vision_tower/model.safetensors")).exists();
    model.close();
  }

  @Test
  void whatLlavaHfCannotExpressFailsAndLeavesNothingBehind() throws Exception {
    LlavaConfig tiny = LlavaConfigs.tiny();
    LlavaModel linear =
        new LlavaModel(
            new LlavaConfig(
                tiny.text(),
                tiny.vision(),
                ProjectorType.linear(),
                tiny.featureSelection(),
                tiny.imageTokenIndex(),
                false,
                "square",
                256,
                Optional.empty()),
            Placement.cpu(DType.F32));
    Path out = dir.resolve("llava-hf-merged");
    assertThatThrownBy(
            () ->
                MergedCheckpoint.write(
                    out, linear, ExportTensors.of(linear), MergedLayout.LLAVA_HF))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("llava-hf models have an mlp2x_gelu connector, this one is linear");
    assertThat(out).doesNotExist();
    assertThat(hidden(dir)).isEmpty();
    linear.close();
  }
}
