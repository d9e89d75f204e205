package io.lntune.tools;

import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.clip.ClipVisionOutput;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.Projector;
import io.lntune.models.llava.ProjectorType;
import io.lntune.models.nn.Placement;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.safetensors.SafetensorsException;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune features}: runs a CLIP vision tower (and optionally a LLaVA projector) on images or
 * pixel values and writes every hidden state and the selected features, for comparison with Hugging
 * Face or LLaVA.
 */
@Command(
    name = "features",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run a CLIP vision tower on images (preprocessed as CLIPImageProcessor does) or on ready pixel values, and "
          + "write to a safetensors file: hidden_states [layers+1, N, tokens, width] (entry 0 the embeddings after "
          + "pre_layrnorm), image_features (the hidden state LLaVA selects) and, with --projector, projected.",
      "Images are processed with the model directory's preprocessor_config.json if it has one, otherwise with "
          + "CLIP's defaults at the tower's image size.",
      "Given a LLaVA directory (original or llava-hf), its tower, connector (projected is always written), feature "
          + "selection and aspect ratio are used."
    })
final class FeaturesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "DIR|ID",
      description =
          "A Hugging Face CLIP directory (config.json and safetensors or .bin weights), or a LLaVA directory; "
              + "or a model id in the Hugging Face cache (openai/clip-vit-large-patch14-336).")
  Path model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  static final class Input {
    @Option(
        names = "--image",
        paramLabel = "FILE",
        required = true,
        description = "An image (JPEG or PNG); repeat for a batch.")
    List<Path> images;

    @Option(
        names = "--pixels",
        paramLabel = "FILE",
        required = true,
        description =
            "A safetensors file holding pixel values [N, 3, H, W]: the tensor 'pixel_values', or its only "
                + "tensor.")
    Path pixels;
  }

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "The safetensors file to write.")
  Path out;

  @Option(
      names = "--select-layer",
      paramLabel = "N",
      defaultValue = "-2",
      description =
          "The hidden state to select, negative from the end (LLaVA's mm_vision_select_layer). "
              + "Default: ${DEFAULT-VALUE}.")
  int selectLayer;

  @Option(
      names = "--select-feature",
      paramLabel = "patch|cls_patch",
      defaultValue = "patch",
      description =
          "Drop the class token (patch) or keep it (cls_patch). Default: ${DEFAULT-VALUE}.")
  String selectFeature;

  @Option(
      names = "--pad-to-square",
      description =
          "Pad images to a square of the mean colour first, as LLaVA-1.5 "
              + "does (image_aspect_ratio=pad). Default: off.")
  boolean padToSquare;

  @Option(
      names = "--projector",
      paramLabel = "FILE",
      description =
          "A LLaVA projector (model.mm_projector.* or multi_modal_projector.*) in a safetensors or PyTorch "
              + "file (e.g. mm_projector.bin) or directory; adds 'projected'.")
  Path projector;

  @Option(
      names = "--projector-type",
      paramLabel = "TYPE",
      defaultValue = "mlp2x_gelu",
      description = "linear, mlp2x_gelu or mlpNx_gelu. Default: ${DEFAULT-VALUE}.")
  String projectorType;

  @Mixin PlacementOptions placementOptions;

  @Override
  public Integer call() {
    ProjectorType type = ProjectorType.parse(projectorType);
    Placement placement = placementOptions.placement();
    // A LLaVA directory brings its own tower, connector, feature selection and aspect ratio.
    LlavaModel llava = isLlava(model) ? LlavaModel.load(model, placement) : null;
    FeatureSelection selection =
        llava != null
            ? llava.config().featureSelection()
            : new FeatureSelection(selectLayer, FeatureSelection.Tokens.parse(selectFeature));
    padToSquare |= llava != null && llava.config().imageAspectRatio().equals("pad");
    ClipVisionTower tower =
        llava != null ? llava.visionTower() : ClipVisionTower.load(model, placement);
    selection.hiddenStateIndex(
        tower.config().numHiddenLayers()); // an out-of-range layer fails before inference
    Projector proj =
        llava != null
            ? llava.projector()
            : projector == null
                ? null
                : Projector.load(projector, type, tower.config().hiddenSize(), placement);
    PrintWriter console = spec.commandLine().getOut();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor pixels =
          input.pixels != null ? readPixels(input.pixels) : processor(tower).process(input.images);
      ClipVisionOutput output = tower.forward(pixels);
      Map<String, Tensor> result = new LinkedHashMap<>();
      result.put("hidden_states", output.stackedHiddenStates());
      result.put("image_features", output.select(selection));
      if (proj != null) {
        result.put("projected", proj.forward(result.get("image_features")));
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("model", model.toString());
      metadata.put("select_layer", Integer.toString(selection.layer()));
      metadata.put("select_feature", selection.tokens().llavaName());
      if (proj != null) {
        metadata.put("projector", projector + " (" + type + ")");
      }
      SafetensorsWriter.write(out, result, metadata);
      result.forEach((name, t) -> console.printf("%s %s%n", name, Tensors.describe(t)));
      console.printf("wrote %s%n", out);
    }
    return 0;
  }

  /**
   * An original LLaVA config names its tower ({@code mm_vision_tower}); a llava-hf one has a {@code
   * text_config}.
   */
  private static boolean isLlava(Path dir) {
    Path config = dir.resolve("config.json");
    try {
      String text = Files.isRegularFile(config) ? Files.readString(config) : "";
      return text.contains("\"mm_vision_tower\"") || text.contains("\"text_config\"");
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + config, e);
    }
  }

  private ClipImageProcessor processor(ClipVisionTower tower) {
    Path config = model.resolve("preprocessor_config.json");
    ClipImageProcessor p =
        Files.isRegularFile(config)
            ? ClipImageProcessor.read(config)
            : ClipImageProcessor.forImageSize(tower.config().imageSize());
    if (p.cropSize() != tower.config().imageSize()) {
      throw new IllegalArgumentException(
          config
              + " crops images to "
              + p.cropSize()
              + " px but the tower takes "
              + tower.config().imageSize()
              + " px");
    }
    return p.withPadToSquare(padToSquare);
  }

  private static Tensor readPixels(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      if (f.contains("pixel_values")) {
        return f.tensor("pixel_values");
      }
      if (f.tensors().size() == 1) {
        return f.tensor(f.tensors().get(0).name());
      }
      throw new SafetensorsException(
          file,
          "holds no 'pixel_values' and "
              + f.tensors().size()
              + " tensors: name the pixel values 'pixel_values'");
    }
  }
}
