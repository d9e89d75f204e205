package io.lntune.training.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaConfigJson;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Modules;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsWriter;
import io.lntune.training.checkpoint.AtomicDirectory;
import io.lntune.training.strategy.LoraConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The trained model as a complete original-LLaVA checkpoint: LoRA adapters folded into their weights, the language
 * model and connector in safetensors shards ({@code model-0000i-of-0000n.safetensors} with
 * {@code model.safetensors.index.json}, or one {@code model.safetensors}), the vision tower as a Hugging Face CLIP
 * directory {@code vision_tower/} that {@code mm_vision_tower} names, {@code config.json}, and the tokenizer files.
 * It loads with {@link LlavaModel#load} and in LLaVA's Python code. The directory appears complete or not at all.
 *
 * <pre>{@code
 * MergedCheckpoint.write(Path.of("out/merged"), model, lora, Path.of("/models/llava-v1-llama2-7b"), 5L << 30);
 * }</pre>
 */
public final class MergedCheckpoint {
  static final String TOWER_DIR = "vision_tower";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TOKENIZER_FILES = List.of("tokenizer.model", "tokenizer_config.json",
      "special_tokens_map.json", "added_tokens.json", "tokenizer.json");

  private MergedCheckpoint() {}

  /**
   * @param lora the adapters' configuration when the model has LoRA adapters attached, else null
   * @param tokenizerDir where to copy tokenizer files from, or null
   * @param maxShardBytes the largest shard
   */
  public static void write(Path target, LlavaModel model, LoraConfig lora, Path tokenizerDir, long maxShardBytes) {
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      Path dir = AtomicDirectory.begin(target);
      Files.createDirectories(dir.resolve(TOWER_DIR));
      Map<String, Tensor> merged = mergedWeights(model, lora);
      Map<String, Tensor> tower = new LinkedHashMap<>();
      Map<String, Tensor> rest = new LinkedHashMap<>();
      String towerPrefix = "model.vision_tower.vision_tower.";
      merged.forEach((k, v) -> {
        if (k.startsWith(towerPrefix)) {
          tower.put(k.substring(towerPrefix.length()), v);
        } else {
          rest.put(k, v);
        }
      });
      SafetensorsWriter.write(dir.resolve(TOWER_DIR).resolve("model.safetensors"), tower, Map.of("format", "pt"));
      writeJson(dir.resolve(TOWER_DIR).resolve("config.json"), LlavaConfigJson.vision(model.config().vision()));
      writeShards(dir, rest, maxShardBytes);
      writeJson(dir.resolve("config.json"), LlavaConfigJson.original(model.config(), TOWER_DIR));
      if (tokenizerDir != null) {
        for (String f : TOKENIZER_FILES) {
          if (Files.isRegularFile(tokenizerDir.resolve(f))) {
            Files.copy(tokenizerDir.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      AtomicDirectory.commit(dir, target);
    } catch (IOException e) {
      throw new UncheckedIOException("writing merged checkpoint " + target, e);
    }
  }

  /** Every parameter but LoRA's, with {@code W + alpha/r * B A} for adapted layers (the model is left as it is). */
  private static Map<String, Tensor> mergedWeights(LlavaModel model, LoraConfig lora) {
    Map<String, Tensor> params = Modules.namedParameters(model);
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, Linear> linears = model.languageModel().blockLinears();
    params.forEach((name, t) -> {
      if (name.contains(".lora_A.") || name.contains(".lora_B.")) {
        return;
      }
      String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
      Linear l = module == null ? null : linears.get(module);
      if (l != null && l.hasAdapter()) {
        Tensor a = params.get(module + ".lora_A.weight");
        Tensor b = params.get(module + ".lora_B.weight");
        out.put(name, t.to(ScalarType.Float).add(b.matmul(a).mul(new Scalar(lora.scale())))
            .to(t.scalar_type().intern()));
      } else {
        out.put(name, t);
      }
    });
    return out;
  }

  private static void writeShards(Path dir, Map<String, Tensor> tensors, long maxShardBytes) throws IOException {
    List<Map<String, Tensor>> shards = new ArrayList<>();
    long size = 0;
    long total = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = e.getValue().nbytes();
      if (shards.isEmpty() || (size + bytes > maxShardBytes && size > 0)) {
        shards.add(new LinkedHashMap<>());
        size = 0;
      }
      shards.get(shards.size() - 1).put(e.getKey(), e.getValue());
      size += bytes;
      total += bytes;
    }
    if (shards.size() == 1) {
      SafetensorsWriter.write(dir.resolve("model.safetensors"), shards.get(0), Map.of("format", "pt"));
      return;
    }
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      SafetensorsWriter.write(dir.resolve(file), shards.get(i), Map.of("format", "pt"));
      shards.get(i).keySet().forEach(k -> weightMap.put(k, file));
    }
    writeJson(dir.resolve("model.safetensors.index.json"), index);
  }

  private static void writeJson(Path file, ObjectNode node) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
