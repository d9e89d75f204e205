package io.lntune.models.llava;

import io.lntune.models.clip.ClipConfigs;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaConfigs;
import java.util.List;
import java.util.Optional;

/**
 * Named LLaVA shapes. The LLaVA v1 presets are the paper's setting: CLIP ViT-L/14 at 224 px (256
 * image tokens from the penultimate layer) and a linear connector; the v1.5 presets use
 * ViT-L/14-336 (576 tokens), {@code mlp2x_gelu} and Vicuna v1.5, padding images to squares.
 *
 * <pre>{@code
 * LlavaConfig c = LlavaConfigs.byName("llava-v1-llama2-13b");
 * }</pre>
 */
public final class LlavaConfigs {
  /** The preset names, as the CLI and the API accept them. */
  public static final List<String> NAMES =
      List.of(
          "llava-v1-llama2-7b",
          "llava-v1-llama2-13b",
          "llava-v1-vicuna-7b",
          "llava-v1-vicuna-13b",
          "llava-v1.5-vicuna-7b",
          "llava-v1.5-vicuna-13b",
          "tiny");

  private LlavaConfigs() {}

  /**
   * @throws IllegalArgumentException listing the names for an unknown one
   */
  public static LlavaConfig byName(String name) {
    switch (name) {
      case "llava-v1-llama2-7b":
        return v1(LlamaConfigs.llama2_7b());
      case "llava-v1-llama2-13b":
        return v1(LlamaConfigs.llama2_13b());
      case "llava-v1-vicuna-7b":
        return v1(LlamaConfigs.vicuna7bV15());
      case "llava-v1-vicuna-13b":
        return v1(LlamaConfigs.vicuna13bV15());
      case "llava-v1.5-vicuna-7b":
        return v15(LlamaConfigs.vicuna7bV15());
      case "llava-v1.5-vicuna-13b":
        return v15(LlamaConfigs.vicuna13bV15());
      case "tiny":
        return tiny();
      default:
        throw new IllegalArgumentException(
            "unknown LLaVA preset '" + name + "': expected one of " + NAMES);
    }
  }

  /**
   * {@return a tiny LLaVA for tests: the tiny LLaMA, the tiny CLIP tower, an mlp2x_gelu connector}
   */
  public static LlavaConfig tiny() {
    return make(LlamaConfigs.tiny(), ClipConfigs.tiny(), ProjectorType.mlpGelu(2), "square", 256);
  }

  private static LlavaConfig v1(LlamaConfig text) {
    return make(text, ClipConfigs.vitL14(), ProjectorType.linear(), "square", 2048);
  }

  private static LlavaConfig v15(LlamaConfig text) {
    return make(text, ClipConfigs.vitL14_336(), ProjectorType.mlpGelu(2), "pad", 2048);
  }

  private static LlavaConfig make(
      LlamaConfig text,
      ClipVisionConfig vision,
      ProjectorType projector,
      String aspect,
      long maxLength) {
    return new LlavaConfig(
        text,
        vision,
        projector,
        FeatureSelection.llava(),
        LlavaConfig.IMAGE_TOKEN_INDEX,
        false,
        aspect,
        maxLength,
        Optional.empty());
  }
}
