package io.lntune.models.clip;

import io.lntune.models.nn.Activation;

/**
 * Named CLIP vision towers. The numbers are those of OpenAI's checkpoints as published on Hugging
 * Face ({@code openai/clip-vit-large-patch14} and {@code openai/clip-vit-large-patch14-336}).
 *
 * <pre>{@code
 * var tower = new ClipVisionTower(ClipConfigs.vitL14_336(), Placement.meta(DType.F16));   // LLaVA-1.5's tower
 * }</pre>
 */
public final class ClipConfigs {
  private ClipConfigs() {}

  /** {@return ViT-L/14 at 224 px: 24 layers of width 1024, 256 patch tokens (LLaVA v1's tower)} */
  public static ClipVisionConfig vitL14() {
    return vitL14Builder().imageSize(224).build();
  }

  /** {@return ViT-L/14 at 336 px: 24 layers of width 1024, 576 patch tokens (LLaVA-1.5's tower)} */
  public static ClipVisionConfig vitL14_336() {
    return vitL14Builder().imageSize(336).build();
  }

  /**
   * {@return a tower small enough for unit tests: 2 layers of width 32, 16 px images in 4 px
   * patches}
   */
  public static ClipVisionConfig tiny() {
    return ClipVisionConfig.builder()
        .hiddenSize(32)
        .intermediateSize(64)
        .numHiddenLayers(2)
        .numAttentionHeads(4)
        .imageSize(16)
        .patchSize(4)
        .build();
  }

  private static ClipVisionConfig.Builder vitL14Builder() {
    return ClipVisionConfig.builder()
        .hiddenSize(1024)
        .intermediateSize(4096)
        .numHiddenLayers(24)
        .numAttentionHeads(16)
        .patchSize(14)
        .hiddenAct(Activation.QUICK_GELU)
        .layerNormEps(1e-5);
  }
}
