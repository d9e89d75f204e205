package io.lntune.models.llava;

import io.lntune.models.load.KeyMap;
import io.lntune.torch.checkpoint.Checkpoint;

/**
 * Where LLaVA's parameters live in each checkpoint layout. {@link LlavaModel} names its parameters
 * as the original LLaVA repository saves them ({@code model.layers.*}, {@code lm_head.weight},
 * {@code model.mm_projector.*}, {@code model.vision_tower.vision_tower.vision_model.*}); llava-hf
 * checkpoints put the language model under {@code language_model.} (or {@code
 * model.language_model.} since transformers 4.52), the tower under {@code vision_tower.} and the
 * connector under {@code multi_modal_projector.linear_1/2}.
 */
public final class LlavaKeys {
  /**
   * Where the original layout keeps the vision tower: a {@code CLIPVisionModel} under this prefix.
   */
  public static final String VISION = "model.vision_tower.vision_tower.";

  static final String PROJECTOR = ProjectorKeys.ORIGINAL_PREFIX;

  /** The checkpoint layouts lntune reads. */
  public enum Layout {
    ORIGINAL,
    LLAVA_HF,
    LLAVA_HF_V5
  }

  private LlavaKeys() {}

  /** {@return the layout of {@code checkpoint}, told by its key prefixes} */
  public static Layout detect(Checkpoint checkpoint) {
    if (checkpoint.names().stream().anyMatch(k -> k.startsWith("language_model."))) {
      return Layout.LLAVA_HF;
    }
    if (checkpoint.names().stream().anyMatch(k -> k.startsWith("model.language_model."))) {
      return Layout.LLAVA_HF_V5;
    }
    return Layout.ORIGINAL;
  }

  /** {@return the checkpoint key of parameter {@code name} in {@code layout}} */
  public static String toCheckpoint(String name, Layout layout) {
    if (layout == Layout.ORIGINAL) {
      return name;
    }
    String hfPrefix = layout == Layout.LLAVA_HF ? "" : "model.";
    if (name.startsWith(PROJECTOR)) {
      return hfPrefix + ProjectorKeys.originalToLlavaHf(name);
    }
    if (name.startsWith(VISION)) {
      return hfPrefix + "vision_tower." + name.substring(VISION.length());
    }
    if (name.equals("lm_head.weight")) {
      return layout == Layout.LLAVA_HF ? "language_model.lm_head.weight" : name;
    }
    if (name.startsWith("model.")) {
      return layout == Layout.LLAVA_HF
          ? "language_model." + name
          : "model.language_model." + name.substring(6);
    }
    throw new IllegalArgumentException("'" + name + "' is not a LLaVA parameter name");
  }

  /** {@return the key map for {@code layout}} */
  public static KeyMap of(Layout layout) {
    return new KeyMap(name -> toCheckpoint(name, layout), key -> false);
  }

  static boolean isVision(String name) {
    return name.startsWith(VISION);
  }
}
