package io.lntune.models.llava;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.pytorch.TorchSaveWriter;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/** A random tiny LLaVA and writers of its checkpoint in each layout, for tests (shared through the test-jar). */
public final class TinyLlava {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyLlava() {}

  public static LlavaModel random(long seed) {
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.2, seed);
    return model;
  }

  /** {@return a random tiny LLaVA whose vocabulary has {@code vocab} rows (e.g. the LLaMA tokenizer's, plus pad)} */
  public static LlavaModel random(long seed, long vocab) {
    LlavaConfig t = LlavaConfigs.tiny();
    LlavaModel model = new LlavaModel(new LlavaConfig(t.text().withVocabSize(vocab), t.vision(), t.projectorType(),
        t.featureSelection(), t.imageTokenIndex(), false, "square", 512, java.util.Optional.empty()),
        Placement.cpu(DType.F32));
    Init.normal(model, 0.05, seed);
    return model;
  }

  /** Writes the weights whose (LLaVA) names {@code keep} accepts, renamed by {@code rename}. */
  public static void weights(LlavaModel model, Path file, Predicate<String> keep, UnaryOperator<String> rename) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Modules.namedParameters(model).forEach((k, v) -> {
      if (keep.test(k)) {
        out.put(rename.apply(k), v);
      }
    });
    SafetensorsWriter.write(file, out);
  }

  /**
   * {@return an original LLaVA directory {@code dir/tiny-llava} holding a random tiny model with the real LLaMA
   * tokenizer's vocabulary (plus LLaVA's pad) and that tokenizer (a test asset from {@code lntune.testdata})}
   */
  public static Path withLlamaTokenizer(Path dir) throws IOException {
    Path model = dir.resolve("tiny-llava");
    LlavaModel llava = random(2, 32001);
    original(llava, model, true);
    llava.close();
    Files.copy(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"), model.resolve("tokenizer.model"));
    return model;
  }

  /** An original LLaVA directory; the vision tower inside the weights, or in {@code clip/} next to them. */
  public static Path original(LlavaModel model, Path dir, boolean towerInside) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    ObjectNode config = LlavaConfigJson.original(c, "clip");
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    String vision = LlavaKeys.VISION;
    weights(model, dir.resolve("model.safetensors"), k -> towerInside || !k.startsWith(vision), k -> k);
    Path clip = Files.createDirectories(dir.resolve("clip"));
    Files.writeString(clip.resolve("config.json"), JSON.writeValueAsString(LlavaConfigJson.vision(c.vision())));
    weights(model, clip.resolve("model.safetensors"), k -> k.startsWith(vision), k -> k.substring(vision.length()));
    return dir;
  }

  /**
   * An original LLaVA directory as the published checkpoints ship it ({@code liuhaotian/llava-v1.5-7b}): the weights,
   * vision tower included, in two {@code torch.save} shards listed in {@code pytorch_model.bin.index.json}.
   */
  public static Path originalPyTorch(LlavaModel model, Path dir) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(LlavaConfigJson.original(c, "clip")));
    Path clip = Files.createDirectories(dir.resolve("clip")); // the tower's config; its weights are in the shards
    Files.writeString(clip.resolve("config.json"), JSON.writeValueAsString(LlavaConfigJson.vision(c.vision())));
    List<Map<String, Tensor>> shards = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
    ObjectNode weightMap = JSON.createObjectNode();
    long bytes = 0;
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      int shard = e.getKey().startsWith("model.layers.") ? 0 : 1;
      shards.get(shard).put(e.getKey(), e.getValue());
      weightMap.put(e.getKey(), shardName(shard));
      bytes += e.getValue().nbytes();
    }
    for (int i = 0; i < shards.size(); i++) {
      TorchSaveWriter.write(dir.resolve(shardName(i)), shards.get(i));
    }
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", bytes);
    index.set("weight_map", weightMap);
    Files.writeString(dir.resolve("pytorch_model.bin.index.json"), JSON.writeValueAsString(index));
    return dir;
  }

  private static String shardName(int i) {
    return String.format("pytorch_model-%05d-of-00002.bin", i + 1);
  }

  /** A llava-hf directory in the given layout. */
  public static Path llavaHf(LlavaModel model, Path dir, LlavaKeys.Layout layout) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    ObjectNode config = JSON.createObjectNode().put("model_type", "llava").put("image_token_index", -200)
        .put("projector_hidden_act", "gelu").put("vision_feature_layer", c.featureSelection().layer())
        .put("vision_feature_select_strategy", "default");
    config.set("text_config", LlavaConfigJson.text(c.text()));
    config.set("vision_config", LlavaConfigJson.vision(c.vision()));
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    weights(model, dir.resolve("model.safetensors"), k -> true, k -> LlavaKeys.toCheckpoint(k, layout));
    return dir;
  }
}
