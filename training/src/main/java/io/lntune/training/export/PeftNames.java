package io.lntune.training.export;

import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEFT's names for what a selection trains. PEFT's {@code LN_TUNING} tuner trains a copy of each
 * targeted module (any module, not only norms), saved as {@code
 * base_model.model.<module>.ln_tuning_layers.<param>}; its {@code LORA} tuner saves {@code
 * base_model.model.<module>.lora_A.weight} and {@code lora_B.weight}, and modules trained whole
 * ({@code modules_to_save}) under their own names. A target list holds module-name suffixes,
 * matched as PEFT matches them (equal, or ending with "." + entry); a target string is a regular
 * expression the whole module name must match.
 */
final class PeftNames {
  static final String PREFIX = "base_model.model.";
  static final String LN_TUNING_LAYERS = "ln_tuning_layers";

  /** The modules every strategy but LAYERNORM_SIMPLE and CONNECTOR_ONLY trains whole. */
  static final List<String> CONNECTOR_AND_EMBEDDINGS =
      List.of("mm_projector", "embed_tokens", "lm_head");

  /** A LoRA adapter's A matrix, and the block and the module inside the block it adapts. */
  private static final Pattern LORA_A =
      Pattern.compile("model\\.layers\\.\\d+\\.(.+)\\.lora_A\\.weight");

  private PeftNames() {}

  /**
   * {@return the LN_TUNING target modules of a selection, as PEFT's {@code llava} default lists
   * them for LAYERNORM, plus CLIP's norms when the vision tower's norms train}
   *
   * @throws IllegalArgumentException for LORA (a LORA adapter), FULL (no adapter: export a merged
   *     model) and custom selections
   */
  static List<String> lnTuningTargets(Selection selection) {
    Strategy strategy =
        selection
            .strategy()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "a custom selection has no PEFT form; export the trainable delta instead"));
    List<String> targets = new ArrayList<>();
    switch (strategy) {
      case LAYERNORM:
      case LAYERNORM_SIMPLE:
        targets.addAll(List.of("input_layernorm", "post_attention_layernorm"));
        if (selection.finalNorm()) {
          targets.add("norm");
        }
        break;
      case ATTN_QV:
        targets.addAll(List.of("q_proj", "v_proj"));
        break;
      case ATTN_MLP:
        targets.addAll(List.of("gate_proj", "up_proj", "down_proj"));
        break;
      case CONNECTOR_ONLY:
        targets.add("mm_projector");
        break;
      default:
        throw new IllegalArgumentException(
            strategy
                + " has no LN_TUNING form: "
                + (strategy == Strategy.LORA
                    ? "it is a LORA adapter"
                    : "export the merged model instead"));
    }
    if (strategy.withConnectorAndEmbeddings()) {
      targets.addAll(CONNECTOR_AND_EMBEDDINGS);
    }
    return withVisionNorms(targets, selection);
  }

  /** {@return LORA's {@code modules_to_save}: what trains whole beside the adapters} */
  static List<String> loraModulesToSave(Selection selection) {
    return withVisionNorms(new ArrayList<>(CONNECTOR_AND_EMBEDDINGS), selection);
  }

  private static List<String> withVisionNorms(List<String> targets, Selection selection) {
    if (selection.visionNorms()) {
      targets.addAll(ParameterNames.VISION_NORM_MODULES);
    }
    return List.copyOf(targets);
  }

  /**
   * {@return LORA's {@code target_modules}: a regular expression that PEFT full-matches against
   * module names, naming exactly the adapted modules of the language model's decoder layers} A list
   * of suffixes such as {@code q_proj} would also match CLIP's {@code q_proj}, {@code k_proj} and
   * {@code v_proj} when PEFT sees the whole LLaVA. The expression matches the original LLaVA names
   * ({@code model.layers.N.self_attn.q_proj}) and llava-hf's ({@code
   * language_model.model.layers.N...}, {@code model.language_model.layers.N...}), never CLIP's
   * ({@code ...vision_model.encoder.layers.N...}). Only dots need escaping: module names are word
   * characters and dots.
   *
   * @param parameters the names of the model's parameters, LoRA's among them
   * @throws IllegalArgumentException if no parameter is a decoder layer's LoRA A matrix
   */
  static String loraTargetPattern(Collection<String> parameters) {
    Set<String> modules = new LinkedHashSet<>();
    for (String name : parameters) {
      Matcher m = LORA_A.matcher(name);
      if (m.matches()) {
        modules.add(m.group(1).replace(".", "\\."));
      }
    }
    if (modules.isEmpty()) {
      throw new IllegalArgumentException("the model has no LoRA adapters in its decoder layers");
    }
    return ".*model\\.layers\\.\\d+\\.(" + String.join("|", modules) + ")";
  }

  /** {@return the module of {@code parameter} that one of {@code targets} names, or null} */
  static String targetModule(String parameter, List<String> targets) {
    String[] parts = parameter.split("\\.");
    for (int end = parts.length - 1; end >= 1; end--) {
      String module = String.join(".", Arrays.copyOfRange(parts, 0, end));
      for (String t : targets) {
        if (module.equals(t) || module.endsWith("." + t)) {
          return module;
        }
      }
    }
    return null;
  }

  /** {@return PEFT's key of a parameter trained as part of LN_TUNING target {@code module}} */
  static String lnTuningKey(String parameter, String module) {
    return PREFIX + module + "." + LN_TUNING_LAYERS + parameter.substring(module.length());
  }

  /** {@return the parameter name of an LN_TUNING key} */
  static String fromLnTuningKey(String key) {
    String name = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
    return name.replace("." + LN_TUNING_LAYERS, "");
  }
}
