package io.lntune.training.export;

import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;

/**
 * PEFT's names for what a strategy trains. PEFT's {@code LN_TUNING} tuner trains a copy of each targeted module
 * (any module, not only norms), saved as {@code base_model.model.<module>.ln_tuning_layers.<param>}; its {@code LORA}
 * tuner saves {@code base_model.model.<module>.lora_A.weight} and {@code lora_B.weight}, and modules trained whole
 * ({@code modules_to_save}) under their own names. Target lists are module-name suffixes, matched as PEFT matches
 * them (equal, or ending with "." + entry).
 */
final class PeftNames {
  static final String PREFIX = "base_model.model.";
  static final String LN_TUNING_LAYERS = "ln_tuning_layers";
  /** The modules every strategy but LAYERNORM_SIMPLE and CONNECTOR_ONLY trains whole. */
  static final List<String> CONNECTOR_AND_EMBEDDINGS = List.of("mm_projector", "embed_tokens", "lm_head");

  private PeftNames() {}

  /**
   * {@return the LN_TUNING target modules of a strategy, as PEFT's {@code llava} default lists them for LAYERNORM}
   *
   * @throws IllegalArgumentException for LORA (a LORA adapter) and FULL (no adapter: export a merged model)
   */
  static List<String> lnTuningTargets(Strategy strategy, boolean finalNorm) {
    List<String> targets = new ArrayList<>();
    switch (strategy) {
      case LAYERNORM:
      case LAYERNORM_SIMPLE:
        targets.addAll(List.of("input_layernorm", "post_attention_layernorm"));
        if (finalNorm) {
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
        return List.of("mm_projector");
      default:
        throw new IllegalArgumentException(strategy + " has no LN_TUNING form: "
            + (strategy == Strategy.LORA ? "it is a LORA adapter" : "export the merged model instead"));
    }
    if (strategy.withConnectorAndEmbeddings()) {
      targets.addAll(CONNECTOR_AND_EMBEDDINGS);
    }
    return targets;
  }

  /** {@return the module of {@code parameter} that one of {@code targets} names, or null} */
  static String targetModule(String parameter, List<String> targets) {
    String[] parts = parameter.split("\\.");
    for (int end = parts.length - 1; end >= 1; end--) {
      String module = String.join(".", java.util.Arrays.copyOfRange(parts, 0, end));
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

  /** {@return the module names LoRA adapts, in PEFT's config form} */
  static List<String> loraTargets(LoraConfig lora) {
    return lora.targets();
  }
}
