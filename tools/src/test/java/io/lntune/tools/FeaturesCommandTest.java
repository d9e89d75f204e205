package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.clip.ClipConfigs;
import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.image.RgbImage;
import io.lntune.models.llava.Projector;
import io.lntune.models.llava.ProjectorType;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FeaturesCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path model;
  private ClipVisionTower tower;

  private int run(String... args) {
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  /**
   * A random tiny CLIP vision directory: ClipConfigs.tiny() (2 layers, width 32, 16 px, 4 px
   * patches).
   */
  @BeforeEach
  void writeModel() throws IOException {
    model = Files.createDirectories(dir.resolve("clip-tiny"));
    ClipVisionConfig c = ClipConfigs.tiny();
    Files.writeString(
        model.resolve("config.json"),
        "{\"model_type\": \"clip_vision_model\", \"hidden_size\": "
            + c.hiddenSize()
            + ", \"intermediate_size\": "
            + c.intermediateSize()
            + ", \"num_hidden_layers\": "
            + c.numHiddenLayers()
            + ", \"num_attention_heads\": "
            + c.numAttentionHeads()
            + ", \"image_size\": "
            + c.imageSize()
            + ", \"patch_size\": "
            + c.patchSize()
            + "}");
    tower = new ClipVisionTower(c, Placement.cpu(DType.F32));
    Init.normal(tower, 0.2, 1);
    SafetensorsWriter.write(model.resolve("model.safetensors"), Modules.namedParameters(tower));
  }

  @Test
  void aLlavaDirectoryBringsItsTowerAndConnector() throws IOException {
    io.lntune.models.llava.LlavaModel llava = io.lntune.models.llava.TinyLlava.random(6);
    Path dirLlava = io.lntune.models.llava.TinyLlava.original(llava, dir.resolve("llava"), true);
    Path pixelsFile = dir.resolve("llava-pixels.safetensors");
    Path result = dir.resolve("llava-features.safetensors");
    Torch.seed(3);
    try (TensorScope scope = TensorScope.open()) {
      SafetensorsWriter.write(pixelsFile, Map.of("pixel_values", randn(1, 3, 16, 16)));
    }
    assertThat(
            run(
                "features",
                "--model",
                dirLlava.toString(),
                "--pixels",
                pixelsFile.toString(),
                "--out",
                result.toString()))
        .as(err.toString())
        .isZero();
    try (SafetensorsFile pixels = SafetensorsFile.open(pixelsFile);
        SafetensorsFile f = SafetensorsFile.open(result);
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor expected = llava.imageFeatures(pixels.tensor("pixel_values"));
      assertThat(f.tensor("projected").sub(expected).abs().max().item_double()).isLessThan(1e-6);
    }
    llava.close();
  }

  @Test
  void writesEveryHiddenStateAndTheSelectedFeatures() {
    Path pixelsFile = dir.resolve("pixels.safetensors");
    Path result = dir.resolve("features.safetensors");
    Torch.seed(2);
    try (TensorScope scope = TensorScope.open()) {
      SafetensorsWriter.write(pixelsFile, Map.of("pixel_values", randn(2, 3, 16, 16)));
    }
    assertThat(
            run(
                "features",
                "--model",
                model.toString(),
                "--pixels",
                pixelsFile.toString(),
                "--out",
                result.toString(),
                "--select-feature",
                "cls_patch"))
        .isZero();
    assertThat(out.toString())
        .contains(
            "hidden_states [3, 2, 17, 32] F32 cpu",
            "image_features [2, 17, 32] F32 cpu",
            "wrote " + result);
    try (SafetensorsFile pixels = SafetensorsFile.open(pixelsFile);
        SafetensorsFile f = SafetensorsFile.open(result);
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor hidden = f.tensor("hidden_states");
      Tensor expected = tower.forward(pixels.tensor("pixel_values")).stackedHiddenStates();
      assertThat(hidden.sub(expected).abs().max().item_double()).isLessThan(1e-6);
      assertThat(f.tensor("image_features").equal(hidden.select(0, 1)))
          .as("layer -2 of 2, with the class token")
          .isTrue();
      assertThat(f.metadata())
          .containsEntry("select_layer", "-2")
          .containsEntry("select_feature", "cls_patch");
    }
  }

  @Test
  void processesImagesAndAppliesTheProjector() throws IOException {
    BufferedImage png = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 12; y++) {
      for (int x = 0; x < 20; x++) {
        png.setRGB(x, y, (x * 12) << 16 | (y * 20) << 8 | (x + y) * 7);
      }
    }
    Path image = dir.resolve("image.png");
    ImageIO.write(png, "png", image.toFile());
    Projector projector =
        Projector.create(ProjectorType.mlpGelu(2), 32, 24, Placement.cpu(DType.F32));
    Init.normal(projector.module(), 0.2, 3);
    Map<String, Tensor> weights = new LinkedHashMap<>();
    Modules.namedParameters(projector.module())
        .forEach((k, v) -> weights.put("model.mm_projector." + k, v));
    Path projectorFile = dir.resolve("mm_projector.safetensors");
    SafetensorsWriter.write(projectorFile, weights);
    Path result = dir.resolve("features.safetensors");

    assertThat(
            run(
                "features",
                "--model",
                model.toString(),
                "--image",
                image.toString(),
                "--image",
                image.toString(),
                "--pad-to-square",
                "--projector",
                projectorFile.toString(),
                "--out",
                result.toString()))
        .isZero();
    try (SafetensorsFile f = SafetensorsFile.open(result);
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor pixels =
          ClipImageProcessor.forImageSize(16)
              .withPadToSquare(true)
              .pixelValues(
                  List.of(
                      ClipImageProcessor.forImageSize(16)
                          .withPadToSquare(true)
                          .prepare(RgbImage.read(image))));
      Tensor features = tower.features(pixels, FeatureSelection.llava());
      assertThat(f.tensor("image_features").sizes().vec().get()).containsExactly(2, 16, 32);
      // A batch of two against a batch of one: the products may sum in another order (seen: 1.7e-6
      // under load).
      assertThat(
              f.tensor("image_features")
                  .select(0, 1)
                  .sub(features.select(0, 0))
                  .abs()
                  .max()
                  .item_double())
          .isLessThan(1e-5);
      assertThat(f.tensor("projected").sizes().vec().get()).containsExactly(2, 16, 24);
      assertThat(
              f.tensor("projected")
                  .sub(projector.forward(f.tensor("image_features")))
                  .abs()
                  .max()
                  .item_double())
          .isLessThan(1e-6);
      assertThat(f.metadata().get("projector")).endsWith("(mlp2x_gelu)");
    }
  }

  @Test
  void badInputFailsInOneLine() {
    Path missing = dir.resolve("missing.png");
    assertThat(
            run(
                "features",
                "--model",
                model.toString(),
                "--image",
                missing.toString(),
                "--out",
                dir.resolve("x.safetensors").toString()))
        .isEqualTo(1);
    assertThat(err.toString().strip()).isEqualTo("lntune: " + missing + ": no such file");
    assertThat(
            run(
                "features",
                "--model",
                model.toString(),
                "--image",
                "a.png",
                "--pixels",
                "b.safetensors",
                "--out",
                "x.safetensors"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("mutually exclusive");
    err.getBuffer().setLength(0);
    assertThat(
            run(
                "features",
                "--model",
                model.toString(),
                "--pixels",
                "b.safetensors",
                "--out",
                "x.safetensors",
                "--select-layer",
                "-4"))
        .as("a bad option value is a usage error")
        .isEqualTo(CliErrors.USAGE);
    assertThat(err.toString().strip())
        .isEqualTo(
            "lntune: select layer -4 is out of range for a tower of 2 layers: "
                + "hidden states are 0..2 (or -3..-1)");
    assertThat(Files.exists(dir.resolve("x.safetensors"))).isFalse();
  }
}
