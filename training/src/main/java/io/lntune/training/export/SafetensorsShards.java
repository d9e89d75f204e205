package io.lntune.training.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes a state dict as Hugging Face does: one {@code model.safetensors}, or shards {@code
 * model-0000i-of-0000n.safetensors} no larger than a limit (a tensor larger than the limit gets a
 * shard of its own) with {@code model.safetensors.index.json} mapping each key to its shard.
 *
 * <pre>{@code
 * SafetensorsShards.write(dir, tensors, 5L << 30);
 * }</pre>
 */
final class SafetensorsShards {
  private SafetensorsShards() {}

  static void write(Path dir, Map<String, Tensor> tensors, long maxShardBytes) {
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
      SafetensorsWriter.write(
          dir.resolve("model.safetensors"), shards.get(0), Map.of("format", "pt"));
      return;
    }
    ObjectNode index = ExportJson.JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      SafetensorsWriter.write(dir.resolve(file), shards.get(i), Map.of("format", "pt"));
      shards.get(i).keySet().forEach(k -> weightMap.put(k, file));
    }
    ExportJson.write(dir.resolve("model.safetensors.index.json"), index);
  }
}
