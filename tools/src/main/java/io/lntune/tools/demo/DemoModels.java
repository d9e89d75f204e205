package io.lntune.tools.demo;

import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.ProjectorType;
import io.lntune.torch.DType;
import java.util.List;
import java.util.Optional;

/**
 * The demo's tiny models. Pictures are 36 px with 12 px patches, so each of the 3 x 3 cells of the
 * synthetic world is one patch token; the ViT's last layer is read (it was pretrained to name each
 * cell's content, and a 2-layer tower has no useful penultimate layer).
 */
final class DemoModels {
  static final int IMAGE = 36;

  private DemoModels() {}

  static LlamaConfig text(long vocab) {
    return new LlamaConfig(
        96,
        256,
        3,
        4,
        4,
        1e-5,
        10000.0,
        1.0,
        vocab,
        512,
        false,
        1,
        List.of(2L),
        0,
        Optional.of(DType.F32));
  }

  static ClipVisionConfig vision() {
    return ClipVisionConfig.builder()
        .hiddenSize(64)
        .intermediateSize(128)
        .numHiddenLayers(2)
        .numAttentionHeads(4)
        .imageSize(IMAGE)
        .patchSize(IMAGE / 3)
        .build();
  }

  static LlavaConfig llava(long vocab) {
    return new LlavaConfig(
        text(vocab),
        vision(),
        ProjectorType.mlpGelu(2),
        new FeatureSelection(-1, FeatureSelection.Tokens.PATCH),
        LlavaConfig.IMAGE_TOKEN_INDEX,
        false,
        "square",
        512,
        Optional.empty());
  }
}
