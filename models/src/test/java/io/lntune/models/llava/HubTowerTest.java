package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.config.ConfigException;
import io.lntune.models.hub.ModelLocator;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mm_vision_tower as every LLaVA config writes it: a model id, found in the Hugging Face cache. */
class HubTowerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static Tensor logits(LlavaModel m) {
    Torch.seed(4);
    Tensor pixels = randn(1, 3, 16, 16);
    Tensor ids = Tensor.create(new long[] {1, LlavaConfig.IMAGE_TOKEN_INDEX, 5}, 1, 3);
    return m.forward(LlavaInput.of(ids).withPixels(pixels)).logits();
  }

  @Test
  void theTowerLoadsFromTheCachedSnapshotItsModelIdNames() throws Exception {
    LlavaModel model = TinyLlava.random(6);
    Path llava = Files.createDirectories(dir.resolve("llava-tiny"));
    Files.writeString(
        llava.resolve("config.json"),
        JSON.writeValueAsString(LlavaConfigJson.original(model.config(), "org/tiny-clip")));
    TinyLlava.weights(
        model, llava.resolve("model.safetensors"), k -> !LlavaKeys.isVision(k), k -> k);
    Path hub = dir.resolve("hf/hub");
    Path repo = Files.createDirectories(hub.resolve("models--org--tiny-clip/refs"));
    Files.writeString(repo.resolve("main"), "5f2c");
    Path snapshot = Files.createDirectories(repo.resolveSibling("snapshots/5f2c"));
    Files.writeString(
        snapshot.resolve("config.json"),
        JSON.writeValueAsString(LlavaConfigJson.vision(model.config().vision())));
    TinyLlava.weights(
        model,
        snapshot.resolve("model.safetensors"),
        LlavaKeys::isVision,
        k -> k.substring(LlavaKeys.VISION.length()));

    ModelLocator cached = ModelLocator.of(Map.of("HF_HOME", dir.resolve("hf").toString()), dir);
    LlavaModel loaded = LlavaModel.load(llava, Placement.cpu(DType.F32), cached);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      assertThat(logits(loaded).equal(logits(model))).isTrue();
    }
    ModelLocator empty =
        ModelLocator.of(Map.of("HF_HUB_CACHE", dir.resolve("empty").toString()), dir);
    assertThatThrownBy(() -> LlavaModel.load(llava, Placement.cpu(DType.F32), empty))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("field 'mm_vision_tower'")
        .hasMessageContaining(llava.resolve("org/tiny-clip") + ": no such file or directory")
        .hasMessageContaining(
            dir.resolve("empty/models--org--tiny-clip") + ": not in the Hugging Face cache");
    model.close();
    loaded.close();
  }
}
