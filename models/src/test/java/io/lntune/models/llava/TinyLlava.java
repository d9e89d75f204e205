package io.lntune.models.llava;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.randn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.pytorch.TorchSaveWriter;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A random tiny LLaVA and writers of its checkpoint in each layout, for tests (shared through the
 * test-jar), among them the published repositories' own files at a tiny size ({@link #real}).
 */
public final class TinyLlava {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TinyLlava() {}

  public static LlavaModel random(long seed) {
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.2, seed);
    return model;
  }

  /**
   * {@return a random tiny LLaVA whose vocabulary has {@code vocab} rows (e.g. the LLaMA
   * tokenizer's, plus pad)}
   */
  public static LlavaModel random(long seed, long vocab) {
    return random(seed, vocab, false);
  }

  /**
   * {@return a random tiny LLaVA with {@code vocab} rows whose config sets {@code
   * mm_use_im_start_end} as given}
   */
  public static LlavaModel random(long seed, long vocab, boolean imStartEnd) {
    return random(seed, vocab, imStartEnd, 0.05);
  }

  private static LlavaModel random(long seed, long vocab, boolean imStartEnd, double std) {
    LlavaConfig t = LlavaConfigs.tiny();
    LlavaModel model =
        new LlavaModel(
            new LlavaConfig(
                t.text().withVocabSize(vocab),
                t.vision(),
                t.projectorType(),
                t.featureSelection(),
                t.imageTokenIndex(),
                imStartEnd,
                "square",
                512,
                Optional.empty()),
            Placement.cpu(DType.F32));
    Init.normal(model, std, seed);
    return model;
  }

  /** Writes the weights whose (LLaVA) names {@code keep} accepts, renamed by {@code rename}. */
  public static void weights(
      LlavaModel model, Path file, Predicate<String> keep, UnaryOperator<String> rename) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Modules.namedParameters(model)
        .forEach(
            (k, v) -> {
              if (keep.test(k)) {
                out.put(rename.apply(k), v);
              }
            });
    SafetensorsWriter.write(file, out);
  }

  /**
   * {@return an original LLaVA directory {@code dir/tiny-llava} holding a random tiny model with
   * the real LLaMA tokenizer's vocabulary (plus LLaVA's pad) and that tokenizer (a test asset from
   * {@code lntune.testdata})}
   */
  public static Path withLlamaTokenizer(Path dir) throws IOException {
    return withLlamaTokenizer(dir, 0.05);
  }

  /**
   * As {@link #withLlamaTokenizer(Path)}, the weights drawn with standard deviation {@code std}: at
   * 0.05 the model's replies hardly depend on the prompt, at about 0.5 they do.
   */
  public static Path withLlamaTokenizer(Path dir, double std) throws IOException {
    Path model = dir.resolve("tiny-llava");
    LlavaModel llava = random(2, 32001, false, std);
    original(llava, model, true);
    llava.close();
    Files.copy(
        Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"),
        model.resolve("tokenizer.model"));
    return model;
  }

  /**
   * An original LLaVA directory; the vision tower inside the weights, or in {@code clip/} next to
   * them.
   */
  public static Path original(LlavaModel model, Path dir, boolean towerInside) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    ObjectNode config = LlavaConfigJson.original(c, "clip");
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    String vision = LlavaKeys.VISION;
    weights(
        model, dir.resolve("model.safetensors"), k -> towerInside || !k.startsWith(vision), k -> k);
    Path clip = Files.createDirectories(dir.resolve("clip"));
    Files.writeString(
        clip.resolve("config.json"), JSON.writeValueAsString(LlavaConfigJson.vision(c.vision())));
    weights(
        model,
        clip.resolve("model.safetensors"),
        k -> k.startsWith(vision),
        k -> k.substring(vision.length()));
    return dir;
  }

  /**
   * An original LLaVA directory as the published checkpoints ship it ({@code
   * liuhaotian/llava-v1.5-7b}): the weights, vision tower included, in two {@code torch.save}
   * shards listed in {@code pytorch_model.bin.index.json}.
   */
  public static Path originalPyTorch(LlavaModel model, Path dir) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    Files.writeString(
        dir.resolve("config.json"), JSON.writeValueAsString(LlavaConfigJson.original(c, "clip")));
    Path clip =
        Files.createDirectories(
            dir.resolve("clip")); // the tower's config; its weights are in the shards
    Files.writeString(
        clip.resolve("config.json"), JSON.writeValueAsString(LlavaConfigJson.vision(c.vision())));
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

  /**
   * A llava-hf directory in the given layout, {@code <image>} being id 32000 as in llava-hf's
   * checkpoints.
   */
  public static Path llavaHf(LlavaModel model, Path dir, LlavaKeys.Layout layout)
      throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    ObjectNode config =
        JSON.createObjectNode()
            .put("model_type", "llava")
            .put("image_token_index", 32000)
            .put("projector_hidden_act", "gelu")
            .put("vision_feature_layer", c.featureSelection().layer())
            .put("vision_feature_select_strategy", "default");
    config.set("text_config", LlavaConfigJson.text(c.text()));
    config.set("vision_config", LlavaConfigJson.vision(c.vision()));
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    weights(
        model, dir.resolve("model.safetensors"), k -> true, k -> LlavaKeys.toCheckpoint(k, layout));
    return dir;
  }

  /**
   * {@return {@code dir}, holding {@code repo}'s fixture files and random weights in its layout}
   * The LLaVA repositories get the real LLaMA {@code tokenizer.model} (from {@code
   * lntune.testdata}); a repository whose config names the CLIP tower by its hub id ({@code
   * openai/clip-vit-large-patch14-336}) gets the tiny CLIP repository at that path inside {@code
   * dir}, where lntune looks for it. Weights are written in the format the repository ships:
   * LLaVA's own releases as {@code torch.save} shards with {@code pytorch_model.bin.index.json} and
   * stage 1's connector as {@code mm_projector.bin}; llava-hf's and CLIP's as safetensors (with a
   * {@code model.safetensors.index.json} when sharded), every index of the real shape.
   */
  public static Path real(RealRepo repo, Path dir, long seed) throws IOException {
    repo.copyFiles(dir);
    switch (repo) {
      case CLIP -> {
        try (ClipVisionTower tower =
            new ClipVisionTower(
                ClipVisionConfig.read(dir.resolve("config.json")), Placement.cpu(DType.F32))) {
          Init.normal(tower, 0.05, seed);
          clipWeights(tower, dir);
        }
      }
      case PRETRAIN -> {
        RealRepo.CLIP.copyFiles(towerDir(dir));
        LlavaConfig c = LlavaConfig.read(dir);
        Projector p =
            Projector.create(
                c.projectorType(),
                c.vision().hiddenSize(),
                c.text().hiddenSize(),
                Placement.cpu(DType.F32));
        Init.normal(p.module(), 0.05, seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        Modules.namedParameters(p.module())
            .forEach((k, v) -> out.put(ProjectorKeys.ORIGINAL_PREFIX + k, v));
        TorchSaveWriter.write(dir.resolve("mm_projector.bin"), out);
        p.module().close();
      }
      default -> {
        Files.copy(
            Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"),
            dir.resolve("tokenizer.model"));
        boolean hf = repo == RealRepo.LLAVA_HF;
        if (!hf) {
          RealRepo.CLIP.copyFiles(towerDir(dir));
        }
        try (LlavaModel model = new LlavaModel(LlavaConfig.read(dir), Placement.cpu(DType.F32))) {
          Init.normal(model, 0.05, seed);
          LlavaKeys.Layout layout = hf ? LlavaKeys.Layout.LLAVA_HF : LlavaKeys.Layout.ORIGINAL;
          Map<String, Tensor> out = new LinkedHashMap<>();
          Modules.namedParameters(model)
              .forEach(
                  (k, v) -> {
                    if (hf
                        || !LlavaKeys.isVision(
                            k)) { // LLaVA's own releases keep the tower in its CLIP repository
                      out.put(LlavaKeys.toCheckpoint(k, layout), v);
                    }
                  });
          shards(out, dir, repo.shards(), !hf);
          if (!hf) {
            clipWeights(model.visionTower(), towerDir(dir));
          }
        }
      }
    }
    return dir;
  }

  private static Path towerDir(Path llavaDir) {
    return llavaDir.resolve(RealRepo.CLIP.hubId());
  }

  /**
   * A full CLIP checkpoint: the tower's {@code vision_model.*}, and, with random values, what
   * {@code CLIPModel} adds (the projections, {@code logit_scale}, part of the text tower, the
   * position-id buffers old checkpoints store).
   */
  private static void clipWeights(ClipVisionTower tower, Path dir) throws IOException {
    JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
    long projection = config.get("projection_dim").asLong();
    long text = config.get("text_config").get("hidden_size").asLong();
    long textPositions = config.get("text_config").path("max_position_embeddings").asLong(77);
    long vision = tower.config().hiddenSize();
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> out = new LinkedHashMap<>(Modules.namedParameters(tower));
      out.put("vision_model.embeddings.position_ids", positions(tower.config().numPatches() + 1));
      out.put("text_model.embeddings.position_ids", positions(textPositions));
      out.put("text_model.embeddings.position_embedding.weight", randn(textPositions, text));
      out.put("text_model.final_layer_norm.weight", randn(text));
      out.put("text_model.final_layer_norm.bias", randn(text));
      out.put("text_projection.weight", randn(projection, text));
      out.put("visual_projection.weight", randn(projection, vision));
      out.put("logit_scale", randn(new long[0]));
      SafetensorsWriter.write(dir.resolve("model.safetensors"), out);
    }
  }

  /** {@return [1, n] int64: 0, 1, ..., n - 1, as CLIP's position-id buffer} */
  private static Tensor positions(long n) {
    return arange(new Scalar(n)).to(ScalarType.Long).unsqueeze(0);
  }

  /**
   * Hugging Face's sharded layout and the index mapping every key: {@code
   * model-0000i-of-0000n.safetensors} with {@code model.safetensors.index.json}, or, for {@code
   * pytorch}, {@code pytorch_model-0000i-of-0000n.bin} with {@code pytorch_model.bin.index.json}.
   */
  private static void shards(Map<String, Tensor> tensors, Path dir, int n, boolean pytorch)
      throws IOException {
    List<String> names = new ArrayList<>(tensors.keySet());
    ObjectNode index = JSON.createObjectNode();
    ObjectNode weightMap = JSON.createObjectNode();
    long total = 0;
    Map<String, String> shardOf = new TreeMap<>();
    for (int s = 0; s < n; s++) {
      String file =
          pytorch
              ? String.format("pytorch_model-%05d-of-%05d.bin", s + 1, n)
              : String.format("model-%05d-of-%05d.safetensors", s + 1, n);
      Map<String, Tensor> part = new LinkedHashMap<>();
      for (String name : names.subList(s * names.size() / n, (s + 1) * names.size() / n)) {
        Tensor t = tensors.get(name);
        part.put(name, t);
        shardOf.put(name, file);
        total += t.numel() * t.element_size();
      }
      if (pytorch) {
        TorchSaveWriter.write(dir.resolve(file), part);
      } else {
        SafetensorsWriter.write(dir.resolve(file), part);
      }
    }
    shardOf.forEach(weightMap::put);
    index.putObject("metadata").put("total_size", total);
    index.set("weight_map", weightMap);
    Files.writeString(
        dir.resolve(pytorch ? "pytorch_model.bin.index.json" : "model.safetensors.index.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
  }
}
