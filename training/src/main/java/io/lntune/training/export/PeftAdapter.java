package io.lntune.training.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Modules;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes and reads PEFT adapters: {@code adapter_config.json} and {@code
 * adapter_model.safetensors}, with the key names and config fields PEFT writes, so that {@code
 * PeftModel.from_pretrained(base, dir)} loads them. LayerNorm tuning (and the other strategies that
 * train whole modules) becomes PEFT's {@code LN_TUNING}, CLIP's norms among its targets when they
 * trained; LoRA becomes {@code LORA}, its {@code target_modules} a regular expression of the
 * decoder layers' adapted linears (PEFT applies it to the whole LLaVA, CLIP's layers included) and
 * the connector, embeddings and head as {@code modules_to_save}. The keys are {@code
 * LlavaLlamaForCausalLM}'s (the original LLaVA layout): the base model PEFT wraps is the original
 * checkpoint.
 *
 * <pre>{@code
 * ExportTensors tensors = ExportTensors.of(model, trainables);
 * PeftAdapter.write(out, tensors, Selection.of(Strategy.LAYERNORM), "liuhaotian/llava-v1.5-7b");
 * PeftAdapter.load(freshModel, out, linears);     // the trained tensors, back on a base model
 * }</pre>
 */
public final class PeftAdapter {
  static final String CONFIG = "adapter_config.json";
  static final String WEIGHTS = "adapter_model.safetensors";
  private static final ObjectMapper JSON = ExportJson.JSON;

  private PeftAdapter() {}

  /**
   * Writes the selected parameters as a PEFT adapter in {@code dir}: their fp32 masters, or the
   * dtype {@code tensors} asks for.
   *
   * @param dir the adapter's folder, created if missing
   * @param tensors the model's tensors; for LORA, {@link ExportTensors#withLora with the adapters'
   *     configuration}
   * @param selection what trained
   * @param baseModel recorded as {@code base_model_name_or_path}
   * @throws IllegalArgumentException for FULL or a custom selection, or LORA tensors without their
   *     configuration
   * @throws UncheckedIOException if the folder cannot be written
   */
  public static void write(Path dir, ExportTensors tensors, Selection selection, String baseModel) {
    ObjectNode config;
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (TensorScope scope = TensorScope.open()) {
      if (selection.is(Strategy.LORA)) {
        LoraConfig lora =
            tensors
                .lora()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "a LORA adapter needs its LoraConfig: ExportTensors.withLora(config)"));
        tensors
            .tensors(selection::trains)
            .forEach((name, t) -> out.put(PeftNames.PREFIX + name, t));
        config =
            loraConfig(
                lora,
                PeftNames.loraTargetPattern(tensors.parameters().keySet()),
                PeftNames.loraModulesToSave(selection),
                baseModel);
      } else {
        List<String> targets = PeftNames.lnTuningTargets(selection);
        tensors
            .tensors(selection::trains)
            .forEach(
                (name, t) -> {
                  String module = PeftNames.targetModule(name, targets);
                  if (module == null) {
                    throw new IllegalStateException(
                        name + " trains but no LN_TUNING target covers it");
                  }
                  out.put(PeftNames.lnTuningKey(name, module), t);
                });
        config = base("LN_TUNING", baseModel);
        strings(config.putArray("target_modules"), targets);
        config.putNull("exclude_modules");
        config.putNull("modules_to_save");
      }
      Files.createDirectories(dir);
      SafetensorsWriter.write(dir.resolve(WEIGHTS), out, Map.of("format", "pt"));
      ExportJson.write(dir.resolve(CONFIG), config);
    } catch (IOException e) {
      throw new UncheckedIOException("writing PEFT adapter " + dir, e);
    }
  }

  private static ObjectNode base(String type, String baseModel) {
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", type);
    c.put("task_type", "CAUSAL_LM");
    c.put("inference_mode", true);
    c.put("base_model_name_or_path", baseModel);
    c.putNull("revision");
    return c;
  }

  private static ObjectNode loraConfig(
      LoraConfig lora, String targets, List<String> modulesToSave, String baseModel) {
    ObjectNode c = base("LORA", baseModel);
    c.put("r", lora.r());
    c.put("lora_alpha", lora.alpha());
    c.put("lora_dropout", lora.dropout());
    c.put("target_modules", targets);
    strings(c.putArray("modules_to_save"), modulesToSave);
    c.put("bias", "none");
    c.put("fan_in_fan_out", false);
    c.put("init_lora_weights", true);
    c.put("use_rslora", false);
    c.put("use_dora", false);
    c.putNull("layers_to_transform");
    c.putNull("layers_pattern");
    c.putObject("rank_pattern");
    c.putObject("alpha_pattern");
    return c;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  /**
   * Loads a PEFT adapter written by lntune (or by PEFT for the same model) onto {@code model}: for
   * LORA, adapters are first attached to {@code linears}; every tensor must find its parameter with
   * the same shape.
   *
   * @param linears the model's block linear layers by name (for LORA)
   * @return the LoRA configuration when the adapter is LORA, else null
   * @throws LntuneException naming the file and the tensors that do not fit
   */
  public static LoraConfig load(Module model, Path dir, Map<String, Linear> linears) {
    JsonNode config;
    try {
      config = JSON.readTree(dir.resolve(CONFIG).toFile());
    } catch (IOException e) {
      throw new LntuneException(
          dir.resolve(CONFIG) + ": cannot read the adapter config: " + e.getMessage(), e);
    }
    String type = config.path("peft_type").asText();
    LoraConfig lora = null;
    if (type.equals("LORA")) {
      lora =
          new LoraConfig(
              config.path("r").asInt(),
              config.path("lora_alpha").asDouble(),
              config.path("lora_dropout").asDouble(),
              loraTargets(config.path("target_modules"), linears.keySet()));
      Lora.attach(linears, lora, 0);
    } else if (!type.equals("LN_TUNING")) {
      throw new LntuneException(
          dir.resolve(CONFIG) + ": peft_type '" + type + "' is not LN_TUNING or LORA");
    }
    Map<String, Tensor> params = Modules.namedParameters(model);
    List<String> problems = new ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (var info : f.tensors()) {
        String name =
            type.equals("LORA")
                ? info.name().substring(PeftNames.PREFIX.length())
                : PeftNames.fromLnTuningKey(info.name());
        Tensor p = params.get(name);
        if (p == null || !Arrays.equals(p.sizes().vec().get(), info.shape())) {
          problems.add(
              info.name()
                  + (p == null
                      ? " (no parameter " + name + ")"
                      : " (shape differs from " + name + ")"));
          continue;
        }
        p.copy_(f.tensor(info.name()));
      }
    }
    if (!problems.isEmpty()) {
      throw new LntuneException(
          dir.resolve(WEIGHTS) + " does not fit the model: " + String.join(", ", problems));
    }
    return lora;
  }

  /**
   * {@return the last name part of each linear layer that {@code targetModules} names} PEFT takes a
   * list of suffixes or a regular expression the whole module name must match.
   */
  private static List<String> loraTargets(JsonNode targetModules, Collection<String> linears) {
    Set<String> targets = new LinkedHashSet<>();
    if (targetModules.isTextual()) {
      Pattern regex = Pattern.compile(targetModules.textValue());
      linears.stream()
          .filter(n -> regex.matcher(n).matches())
          .forEach(n -> targets.add(n.substring(n.lastIndexOf('.') + 1)));
    } else {
      targetModules.forEach(n -> targets.add(n.asText()));
    }
    return List.copyOf(targets);
  }
}
