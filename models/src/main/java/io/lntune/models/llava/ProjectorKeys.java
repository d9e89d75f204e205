package io.lntune.models.llava;

import io.lntune.models.load.KeyMap;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.CheckpointException;
import java.util.Map;

/**
 * Where a {@link Projector}'s parameters live in the two LLaVA checkpoint layouts. The original
 * LLaVA repository stores them under {@code model.mm_projector.} with {@code nn.Sequential}
 * indexes; llava-hf renames the two linears of {@code mlp2x_gelu} to {@code
 * multi_modal_projector.linear_1} and {@code linear_2}.
 *
 * <pre>{@code
 * StateDictLoader.load(projector.module(), checkpoint, ProjectorKeys.original(), placement);
 * String hf = ProjectorKeys.originalToLlavaHf("model.mm_projector.2.bias");   // multi_modal_projector.linear_2.bias
 * }</pre>
 */
public final class ProjectorKeys {
  /** The projector's module in original LLaVA checkpoints. */
  public static final String ORIGINAL_PREFIX = "model.mm_projector.";

  /** The projector's module in llava-hf checkpoints. */
  public static final String LLAVA_HF_PREFIX = "multi_modal_projector.";

  /**
   * LLaVA's {@code nn.Sequential} index of each linear, to its llava-hf name (llava-hf has
   * mlp2x_gelu only).
   */
  private static final Map<String, String> LLAVA_HF_LAYERS =
      Map.of("0", "linear_1", "2", "linear_2");

  private ProjectorKeys() {}

  /**
   * {@return the map for original LLaVA checkpoints: {@code 0.weight} to {@code
   * model.mm_projector.0.weight}}
   */
  public static KeyMap original() {
    return KeyMap.identity().withPrefix(ORIGINAL_PREFIX);
  }

  /**
   * {@return the map for llava-hf checkpoints: {@code 0.weight} to {@code
   * multi_modal_projector.linear_1.weight}}
   */
  public static KeyMap llavaHf() {
    return original().map(ProjectorKeys::originalToLlavaHf);
  }

  /**
   * {@return the llava-hf key of an original projector key, e.g. {@code
   * model.mm_projector.0.weight} to {@code multi_modal_projector.linear_1.weight}}
   *
   * @throws IllegalArgumentException for a key outside the projector or a layer llava-hf does not
   *     have
   */
  public static String originalToLlavaHf(String key) {
    if (!key.startsWith(ORIGINAL_PREFIX)) {
      throw new IllegalArgumentException(
          "'" + key + "' is not a projector key (" + ORIGINAL_PREFIX + "*)");
    }
    String rest = key.substring(ORIGINAL_PREFIX.length());
    int dot = rest.indexOf('.');
    String layer = dot < 0 ? null : LLAVA_HF_LAYERS.get(rest.substring(0, dot));
    if (layer == null) {
      throw new IllegalArgumentException(
          "'"
              + key
              + "' has no llava-hf name: llava-hf checkpoints hold mlp2x_gelu "
              + "projectors only ("
              + ORIGINAL_PREFIX
              + "0 and .2 as "
              + LLAVA_HF_PREFIX
              + "linear_1 and linear_2)");
    }
    return LLAVA_HF_PREFIX + layer + rest.substring(dot);
  }

  /**
   * {@return the map for whichever layout {@code checkpoint} holds a projector in, ignoring every
   * other key}
   *
   * @throws CheckpointException if it holds no projector key in either layout
   */
  public static KeyMap detect(Checkpoint checkpoint) {
    if (checkpoint.names().stream().anyMatch(k -> k.startsWith(ORIGINAL_PREFIX))) {
      return original().ignoring("(?!model\\.mm_projector\\.).*");
    }
    if (checkpoint.names().stream().anyMatch(k -> k.startsWith(LLAVA_HF_PREFIX))) {
      return llavaHf().ignoring("(?!multi_modal_projector\\.).*");
    }
    throw new CheckpointException(
        checkpoint.source(),
        "holds no projector: expected keys under "
            + ORIGINAL_PREFIX
            + " (LLaVA) or "
            + LLAVA_HF_PREFIX
            + " (llava-hf)");
  }
}
