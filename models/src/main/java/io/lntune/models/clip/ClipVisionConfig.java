package io.lntune.models.clip;

import io.lntune.models.config.ConfigException;
import io.lntune.models.config.ConfigFile;
import io.lntune.models.nn.Activation;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The shape of a CLIP vision tower, named after the fields of Hugging Face's {@code
 * CLIPVisionConfig}.
 *
 * <pre>{@code
 * ClipVisionConfig c = ClipVisionConfig.read(dir.resolve("config.json"));   // a CLIP or CLIP-vision config.json
 * ClipVisionConfig tiny = ClipVisionConfig.builder().hiddenSize(32).numHiddenLayers(2).numAttentionHeads(4)
 *     .intermediateSize(64).imageSize(16).patchSize(4).build();
 * c.numPatches();   // (imageSize / patchSize)^2, e.g. 576 for ViT-L/14 at 336 px
 * }</pre>
 *
 * @param hiddenSize the width of the residual stream
 * @param intermediateSize the width of each MLP's hidden layer
 * @param numHiddenLayers the number of encoder layers
 * @param numAttentionHeads the attention heads per layer; must divide {@code hiddenSize}
 * @param numChannels the colour channels of the input (3)
 * @param imageSize the side of the square input image in pixels; a multiple of {@code patchSize}
 * @param patchSize the side of each square patch in pixels
 * @param hiddenAct the MLP activation ({@code quick_gelu} for OpenAI's checkpoints)
 * @param layerNormEps the epsilon of every LayerNorm
 */
public record ClipVisionConfig(
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numChannels,
    int imageSize,
    int patchSize,
    Activation hiddenAct,
    double layerNormEps) {

  public ClipVisionConfig {
    Objects.requireNonNull(hiddenAct, "hiddenAct");
    positive("hiddenSize", hiddenSize);
    positive("intermediateSize", intermediateSize);
    positive("numHiddenLayers", numHiddenLayers);
    positive("numAttentionHeads", numAttentionHeads);
    positive("numChannels", numChannels);
    positive("imageSize", imageSize);
    positive("patchSize", patchSize);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hiddenSize "
              + hiddenSize
              + " is not a multiple of numAttentionHeads "
              + numAttentionHeads);
    }
    if (imageSize % patchSize != 0) {
      throw new IllegalArgumentException(
          "imageSize " + imageSize + " is not a multiple of patchSize " + patchSize);
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }

  /** {@return patches per side} */
  public int gridSize() {
    return imageSize / patchSize;
  }

  /** {@return patch tokens per image: 256 for ViT-L/14 at 224 px, 576 at 336 px} */
  public int numPatches() {
    return gridSize() * gridSize();
  }

  /** {@return positions: the class token and every patch} */
  public int numPositions() {
    return numPatches() + 1;
  }

  /** {@return the width of each attention head} */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /**
   * Reads the vision part of a {@code config.json}: the {@code vision_config} section of a CLIP (or
   * llava-hf) config, or the top level of a {@code CLIPVisionConfig} ({@code "model_type":
   * "clip_vision_model"}). Missing fields take Hugging Face's defaults, as {@code CLIPVisionConfig}
   * does.
   *
   * @throws ConfigException naming the file and field that is missing, malformed or out of range
   */
  public static ClipVisionConfig read(Path configJson) {
    ConfigFile file = ConfigFile.read(configJson);
    String type = file.optString("model_type").orElse("");
    if (type.equals("clip_vision_model")) {
      return from(file);
    }
    if (file.has("vision_config")) {
      return from(file.section("vision_config"));
    }
    throw file.error(
        "model_type",
        "must be clip or clip_vision_model (or the file must have a vision_config)",
        file.node("model_type").orElse(null));
  }

  /**
   * {@return the config held by {@code vision}, a {@code CLIPVisionConfig} object}
   *
   * @throws ConfigException naming the field at fault
   */
  public static ClipVisionConfig from(ConfigFile vision) {
    Builder b = builder();
    b.hiddenSize(intField(vision, "hidden_size", b.hiddenSize));
    b.intermediateSize(intField(vision, "intermediate_size", b.intermediateSize));
    b.numHiddenLayers(intField(vision, "num_hidden_layers", b.numHiddenLayers));
    b.numAttentionHeads(intField(vision, "num_attention_heads", b.numAttentionHeads));
    b.numChannels(intField(vision, "num_channels", b.numChannels));
    b.imageSize(intField(vision, "image_size", b.imageSize));
    b.patchSize(intField(vision, "patch_size", b.patchSize));
    b.layerNormEps(vision.optDouble("layer_norm_eps").orElse(b.layerNormEps));
    String act = vision.optString("hidden_act").orElse(b.hiddenAct.hfName());
    try {
      b.hiddenAct(Activation.fromHf(act));
    } catch (IllegalArgumentException e) {
      throw vision.error("hidden_act", "names an " + e.getMessage(), null);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(vision + ": " + e.getMessage());
    }
  }

  private static int intField(ConfigFile file, String field, int fallback) {
    return file.optInt(field, 1, Integer.MAX_VALUE).orElse(fallback);
  }

  /**
   * {@return a builder holding Hugging Face's {@code CLIPVisionConfig} defaults (ViT-B/32 at 224
   * px)}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link ClipVisionConfig}; every setting starts at Hugging Face's default. Not
   * thread-safe.
   */
  public static final class Builder {
    private int hiddenSize = 768;
    private int intermediateSize = 3072;
    private int numHiddenLayers = 12;
    private int numAttentionHeads = 12;
    private int numChannels = 3;
    private int imageSize = 224;
    private int patchSize = 32;
    private Activation hiddenAct = Activation.QUICK_GELU;
    private double layerNormEps = 1e-5;

    private Builder() {}

    /** Default 768. */
    public Builder hiddenSize(int v) {
      hiddenSize = v;
      return this;
    }

    /** Default 3072. */
    public Builder intermediateSize(int v) {
      intermediateSize = v;
      return this;
    }

    /** Default 12. */
    public Builder numHiddenLayers(int v) {
      numHiddenLayers = v;
      return this;
    }

    /** Default 12. */
    public Builder numAttentionHeads(int v) {
      numAttentionHeads = v;
      return this;
    }

    /** Default 3. */
    public Builder numChannels(int v) {
      numChannels = v;
      return this;
    }

    /** Default 224. */
    public Builder imageSize(int v) {
      imageSize = v;
      return this;
    }

    /** Default 32. */
    public Builder patchSize(int v) {
      patchSize = v;
      return this;
    }

    /** Default {@link Activation#QUICK_GELU}. */
    public Builder hiddenAct(Activation v) {
      hiddenAct = v;
      return this;
    }

    /** Default 1e-5. */
    public Builder layerNormEps(double v) {
      layerNormEps = v;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public ClipVisionConfig build() {
      return new ClipVisionConfig(
          hiddenSize,
          intermediateSize,
          numHiddenLayers,
          numAttentionHeads,
          numChannels,
          imageSize,
          patchSize,
          hiddenAct,
          layerNormEps);
    }
  }
}
