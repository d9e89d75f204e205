package io.lntune.models.clip;

import io.lntune.models.load.KeyMap;

/**
 * Where a CLIP vision tower's parameters live in Hugging Face checkpoints. The tower registers its
 * parameters under {@code CLIPVisionModel}'s own names ({@code
 * vision_model.encoder.layers.0.self_attn.q_proj.weight}, {@code vision_model.pre_layrnorm.weight}
 * with HF's spelling), so the map is the identity; what it adds is the list of checkpoint keys that
 * are not the tower's.
 *
 * <pre>{@code
 * StateDictLoader.load(tower, checkpoint, ClipKeys.huggingFace(), placement);
 * }</pre>
 */
public final class ClipKeys {
  /** The position index buffer that older checkpoints store and the tower recomputes. */
  static final String POSITION_IDS = "vision_model\\.embeddings\\.position_ids";

  /**
   * The text half of a full {@code CLIPModel} checkpoint, and the heads that project into the joint
   * space.
   */
  static final String TEXT_AND_HEADS =
      "text_model\\..*|logit_scale|text_projection\\..*|visual_projection\\..*";

  private ClipKeys() {}

  /**
   * {@return the key map for a {@code CLIPVisionModel} or full {@code CLIPModel} checkpoint:
   * identity, ignoring {@code vision_model.embeddings.position_ids}, {@code text_model.*}, {@code
   * logit_scale} and the {@code text_projection}/{@code visual_projection} heads}
   */
  public static KeyMap huggingFace() {
    return KeyMap.identity().ignoring(POSITION_IDS).ignoring(TEXT_AND_HEADS);
  }
}
