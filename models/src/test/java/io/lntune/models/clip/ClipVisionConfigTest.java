package io.lntune.models.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.config.ConfigException;
import io.lntune.models.nn.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipVisionConfigTest {
  @TempDir Path dir;

  private Path write(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  @Test
  void readsTheVisionSectionOfAFullClipConfig() {
    ClipVisionConfig c =
        ClipVisionConfig.read(ClipVisionTowerTest.tower("quick_gelu").resolve("config.json"));
    assertThat(c)
        .isEqualTo(
            ClipVisionConfig.builder()
                .hiddenSize(16)
                .intermediateSize(40)
                .numHiddenLayers(3)
                .numAttentionHeads(2)
                .imageSize(16)
                .patchSize(4)
                .hiddenAct(Activation.QUICK_GELU)
                .layerNormEps(1e-5)
                .build());
    assertThat(c.numPatches()).isEqualTo(16);
    assertThat(c.numPositions()).isEqualTo(17);
    assertThat(c.headDim()).isEqualTo(8);
  }

  @Test
  void readsAClipVisionConfigAtTheTopLevel() {
    ClipVisionConfig c =
        ClipVisionConfig.read(ClipVisionTowerTest.tower("gelu").resolve("config.json"));
    assertThat(c.hiddenAct()).isEqualTo(Activation.GELU);
    assertThat(c.layerNormEps()).isEqualTo(1e-6);
    assertThat(c.gridSize()).isEqualTo(3);
  }

  @Test
  void missingFieldsTakeHuggingFaceDefaults() throws IOException {
    ClipVisionConfig c =
        ClipVisionConfig.read(write("{\"model_type\": \"clip\", \"vision_config\": {}}"));
    assertThat(c).isEqualTo(ClipVisionConfig.builder().build());
    assertThat(c.numPatches()).isEqualTo(49);
  }

  @Test
  void presetsHaveTheirPublishedShapes() {
    assertThat(ClipConfigs.vitL14().numPatches()).isEqualTo(256);
    assertThat(ClipConfigs.vitL14_336().numPatches()).isEqualTo(576);
    assertThat(ClipConfigs.vitL14_336().hiddenSize()).isEqualTo(1024);
    assertThat(ClipConfigs.vitL14_336().numHiddenLayers()).isEqualTo(24);
    assertThat(ClipConfigs.tiny().numPositions()).isEqualTo(17);
  }

  @Test
  void errorsNameTheFileAndField() throws IOException {
    Path f = write("{\"model_type\": \"llama\"}");
    assertThatThrownBy(() -> ClipVisionConfig.read(f))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            f
                + ": field 'model_type' must be clip or clip_vision_model (or the file must have a "
                + "vision_config), got \"llama\"");
    Path act = write("{\"model_type\": \"clip_vision_model\", \"hidden_act\": \"relu\"}");
    assertThatThrownBy(() -> ClipVisionConfig.read(act))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            act
                + ": field 'hidden_act' names an unsupported activation 'relu': expected one of "
                + "quick_gelu, gelu");
    Path size = write("{\"model_type\": \"clip\", \"vision_config\": {\"patch_size\": -14}}");
    assertThatThrownBy(() -> ClipVisionConfig.read(size))
        .isInstanceOf(ConfigException.class)
        .hasMessage(size + " (vision_config): field 'patch_size' must be a positive int, got -14");
    Path heads = write("{\"model_type\": \"clip_vision_model\", \"hidden_size\": 100}");
    assertThatThrownBy(() -> ClipVisionConfig.read(heads))
        .isInstanceOf(ConfigException.class)
        .hasMessage(heads + ": hiddenSize 100 is not a multiple of numAttentionHeads 12");
  }

  @Test
  void theBuilderValidates() {
    assertThatThrownBy(() -> ClipVisionConfig.builder().imageSize(100).patchSize(14).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("imageSize 100 is not a multiple of patchSize 14");
    assertThatThrownBy(() -> ClipVisionConfig.builder().numHiddenLayers(0).build())
        .hasMessage("numHiddenLayers must be > 0, got 0");
  }
}
