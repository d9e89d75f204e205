package io.lntune.models.llava;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.lntune.models.clip.ClipConfigs;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.config.ConfigException;
import io.lntune.models.config.ConfigFile;
import io.lntune.models.hub.ModelLocator;
import io.lntune.models.hub.ModelNotFoundException;
import io.lntune.models.llama.LlamaConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A LLaVA model's shape: the language model, the vision tower, the connector, and how images enter
 * the text.
 *
 * <pre>{@code
 * LlavaConfig c = LlavaConfig.read(Path.of("/models/llava-v1.5-7b"));    // original LLaVA or llava-hf config.json
 * LlavaConfig v1 = LlavaConfigs.byName("llava-v1-llama2-7b");
 * }</pre>
 *
 * @param text the LLaMA-family decoder
 * @param vision the CLIP vision tower
 * @param projectorType the connector ({@code linear}, {@code mlp2x_gelu}, ...)
 * @param featureSelection which vision hidden state and tokens become image features
 * @param imageTokenIndex the checkpoint's own image token: LLaVA's -200, or llava-hf's {@code
 *     <image>} id (32000); lntune's data and prompts use -200 for every layout and the model takes
 *     both
 * @param useImStartEnd whether prompts wrap images in {@code <im_start>} ... {@code <im_end>}
 *     (LLaVA v1 option)
 * @param imageAspectRatio {@code square} (resize and crop) or {@code pad} (pad to a square first,
 *     LLaVA-1.5)
 * @param maxLength the longest sequence, image positions included ({@code
 *     tokenizer_model_max_length})
 * @param visionTowerPath the {@code mm_vision_tower} of an original LLaVA config, if it named one
 */
public record LlavaConfig(
    LlamaConfig text,
    ClipVisionConfig vision,
    ProjectorType projectorType,
    FeatureSelection featureSelection,
    long imageTokenIndex,
    boolean useImStartEnd,
    String imageAspectRatio,
    long maxLength,
    Optional<String> visionTowerPath) {

  /** LLaVA's placeholder for an image in its own preprocessing. */
  public static final long IMAGE_TOKEN_INDEX = -200;

  public LlavaConfig {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(vision, "vision");
    Objects.requireNonNull(projectorType, "projectorType");
    Objects.requireNonNull(featureSelection, "featureSelection");
    if (!imageAspectRatio.equals("square") && !imageAspectRatio.equals("pad")) {
      throw new ConfigException(
          "image_aspect_ratio must be square or pad, got '" + imageAspectRatio + "'");
    }
    if (maxLength < 1) {
      throw new ConfigException("the maximum length must be >= 1, got " + maxLength);
    }
  }

  /** {@return this config with {@code text} as the language model's shape} */
  public LlavaConfig withText(LlamaConfig text) {
    return new LlavaConfig(
        text,
        vision,
        projectorType,
        featureSelection,
        imageTokenIndex,
        useImStartEnd,
        imageAspectRatio,
        maxLength,
        visionTowerPath);
  }

  /** {@return image positions per image: the selected tokens of the vision tower} */
  public long imageTokens() {
    return featureSelection.tokens() == FeatureSelection.Tokens.PATCH
        ? vision.numPatches()
        : vision.numPatches() + 1;
  }

  /**
   * Reads {@code config.json} of an original LLaVA checkpoint ({@code mm_*} fields next to LLaMA's)
   * or a llava-hf one ({@code text_config} and {@code vision_config}). For an original config the
   * vision tower's shape comes from the directory {@code mm_vision_tower} names (absolute, or
   * relative to the model), else from the model id's snapshot in the Hugging Face cache ({@link
   * ModelLocator}), else, for OpenAI's CLIP ids, from the matching preset.
   *
   * @param dir the model directory
   * @throws ConfigException naming the file and field at fault
   */
  public static LlavaConfig read(Path dir) {
    return read(dir, ModelLocator.fromEnvironment());
  }

  /**
   * Reads {@code config.json} as {@link #read(Path)} does, looking up {@code mm_vision_tower} with
   * {@code locator} (a directory, absolute or relative to the model, else a model id in the Hugging
   * Face cache).
   *
   * @throws ConfigException naming the file and field at fault
   */
  public static LlavaConfig read(Path dir, ModelLocator locator) {
    ConfigFile c = ConfigFile.read(dir.resolve("config.json"));
    return c.has("text_config") ? llavaHf(c) : original(dir, c, locator);
  }

  private static LlavaConfig original(Path dir, ConfigFile c, ModelLocator locator) {
    Optional<String> tower = c.optString("mm_vision_tower");
    ClipVisionConfig vision =
        tower
            .map(t -> visionOf(dir, c, t, locator))
            .orElseThrow(
                () ->
                    c.error(
                        "mm_vision_tower", "is required: it names the CLIP vision tower", null));
    FeatureSelection selection =
        new FeatureSelection(
            c.optInt("mm_vision_select_layer", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(-2),
            FeatureSelection.Tokens.parse(c.optString("mm_vision_select_feature").orElse("patch")));
    return new LlavaConfig(
        LlamaConfig.from(c),
        vision,
        ProjectorType.parse(c.optString("mm_projector_type").orElse("linear")),
        selection,
        IMAGE_TOKEN_INDEX,
        c.optBoolean("mm_use_im_start_end").orElse(false),
        c.optString("image_aspect_ratio").orElse("square"),
        c.optLong("tokenizer_model_max_length").orElse(2048L),
        tower);
  }

  private static ClipVisionConfig visionOf(
      Path dir, ConfigFile c, String tower, ModelLocator locator) {
    Path found;
    try {
      found = locator.locate(tower, dir);
    } catch (ModelNotFoundException e) {
      switch (tower) { // the shape alone, enough to count parameters; loading the weights needs the
        // directory
        case "openai/clip-vit-large-patch14":
          return ClipConfigs.vitL14();
        case "openai/clip-vit-large-patch14-336":
          return ClipConfigs.vitL14_336();
        default:
          throw new ConfigException(c + ": field 'mm_vision_tower': " + e.getMessage());
      }
    }
    return ClipVisionConfig.read(found.resolve("config.json"));
  }

  private static LlavaConfig llavaHf(ConfigFile c) {
    ObjectNode textDefaults = HfDefaults.LLAMA.deepCopy();
    // llava-hf keeps the pad id (its added <pad>, 32001) at the top level, next to
    // image_token_index.
    c.optLong("pad_token_id").ifPresent(pad -> textDefaults.put("pad_token_id", pad));
    LlamaConfig text = LlamaConfig.from(withDefaults(c.section("text_config"), textDefaults));
    ClipVisionConfig vision =
        ClipVisionConfig.from(withDefaults(c.section("vision_config"), HfDefaults.CLIP_VISION));
    String act = c.optString("projector_hidden_act").orElse("gelu");
    if (!act.equals("gelu")) {
      throw c.error(
          "projector_hidden_act",
          "must be gelu (llava-hf's mlp2x_gelu connector)",
          new TextNode(act));
    }
    String strategy = c.optString("vision_feature_select_strategy").orElse("default");
    FeatureSelection.Tokens tokens;
    switch (strategy) {
      case "default":
        tokens = FeatureSelection.Tokens.PATCH;
        break;
      case "full":
        tokens = FeatureSelection.Tokens.CLS_PATCH;
        break;
      default:
        throw c.error(
            "vision_feature_select_strategy", "must be default or full", new TextNode(strategy));
    }
    FeatureSelection selection =
        new FeatureSelection(
            c.optInt("vision_feature_layer", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(-2),
            tokens);
    LlavaConfig config =
        new LlavaConfig(
            text,
            vision,
            ProjectorType.mlpGelu(2),
            selection,
            c.optLong("image_token_index").orElse(32000L),
            false,
            "pad",
            2048,
            Optional.empty());
    long seqLength = c.optLong("image_seq_length").orElse(config.imageTokens());
    if (seqLength != config.imageTokens()) {
      throw c.error(
          "image_seq_length",
          "must be the vision tower's " + config.imageTokens() + " image tokens",
          c.node("image_seq_length").orElse(null));
    }
    return config;
  }

  /** llava-hf configs list only the fields that differ from transformers' defaults. */
  private static ConfigFile withDefaults(ConfigFile section, ObjectNode defaults) {
    ObjectNode merged = defaults.deepCopy();
    merged.setAll(section.raw());
    return ConfigFile.of(section.toString(), merged);
  }
}
