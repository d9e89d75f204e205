package io.lntune.training.strategy;

import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which parameter names belong to which component, for models named as the original LLaVA
 * checkpoints are (a plain LLaMA model uses the same names without connector and vision tower):
 * {@code model.layers.N.*}, {@code model.norm}, {@code model.embed_tokens}, {@code lm_head}, {@code
 * model.mm_projector.*}, {@code model.vision_tower.*}.
 */
public final class ParameterNames {
  public static final Predicate<String> BLOCK_NORM =
      full("model\\.layers\\.\\d+\\.(input_layernorm|post_attention_layernorm)\\.weight");
  public static final Predicate<String> FINAL_NORM = full("model\\.norm\\.weight");
  public static final Predicate<String> EMBEDDINGS = full("model\\.embed_tokens\\.weight");
  public static final Predicate<String> HEAD = full("lm_head\\.weight");
  public static final Predicate<String> CONNECTOR = n -> n.startsWith("model.mm_projector.");
  public static final Predicate<String> VISION = n -> n.startsWith("model.vision_tower.");

  /** The vision tower's LayerNorm modules, as CLIP names them ({@code pre_layrnorm} sic). */
  public static final List<String> VISION_NORM_MODULES =
      List.of("pre_layrnorm", "layer_norm1", "layer_norm2", "post_layernorm");

  public static final Predicate<String> VISION_NORM =
      VISION.and(full(".*\\.(" + String.join("|", VISION_NORM_MODULES) + ")\\.(weight|bias)"));
  public static final Predicate<String> ATTN_QV =
      full("model\\.layers\\.\\d+\\.self_attn\\.(q|v)_proj\\.weight");
  public static final Predicate<String> MLP =
      full("model\\.layers\\.\\d+\\.mlp\\.(gate|up|down)_proj\\.weight");
  public static final Predicate<String> LORA = full(".*\\.lora_[AB]\\.weight");

  private ParameterNames() {}

  private static Predicate<String> full(String regex) {
    return Pattern.compile(regex).asMatchPredicate();
  }
}
