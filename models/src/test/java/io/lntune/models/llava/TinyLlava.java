package io.lntune.models.llava;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

  public static ObjectNode textJson(LlamaConfig t) {
    return JSON.createObjectNode().put("model_type", "llama").put("hidden_size", t.hiddenSize())
        .put("intermediate_size", t.intermediateSize()).put("num_hidden_layers", t.numHiddenLayers())
        .put("num_attention_heads", t.numAttentionHeads()).put("num_key_value_heads", t.numKeyValueHeads())
        .put("rms_norm_eps", t.rmsNormEps()).put("rope_theta", t.ropeTheta()).put("vocab_size", t.vocabSize())
        .put("max_position_embeddings", t.maxPositionEmbeddings()).put("tie_word_embeddings", t.tieWordEmbeddings());
  }

  public static ObjectNode visionJson(ClipVisionConfig v) {
    return JSON.createObjectNode().put("model_type", "clip_vision_model").put("hidden_size", v.hiddenSize())
        .put("intermediate_size", v.intermediateSize()).put("num_hidden_layers", v.numHiddenLayers())
        .put("num_attention_heads", v.numAttentionHeads()).put("num_channels", v.numChannels())
        .put("image_size", v.imageSize()).put("patch_size", v.patchSize()).put("hidden_act", v.hiddenAct().hfName())
        .put("layer_norm_eps", v.layerNormEps());
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

  /** An original LLaVA directory; the vision tower inside the weights, or in {@code clip/} next to them. */
  public static Path original(LlavaModel model, Path dir, boolean towerInside) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    ObjectNode config = textJson(c.text()).put("mm_projector_type", c.projectorType().name())
        .put("mm_vision_select_layer", c.featureSelection().layer())
        .put("mm_vision_select_feature", c.featureSelection().tokens().llavaName())
        .put("mm_vision_tower", "clip").put("mm_hidden_size", c.vision().hiddenSize())
        .put("tokenizer_model_max_length", c.maxLength()).put("image_aspect_ratio", c.imageAspectRatio());
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    String vision = LlavaKeys.VISION;
    weights(model, dir.resolve("model.safetensors"), k -> towerInside || !k.startsWith(vision), k -> k);
    Path clip = Files.createDirectories(dir.resolve("clip"));
    Files.writeString(clip.resolve("config.json"), JSON.writeValueAsString(visionJson(c.vision())));
    weights(model, clip.resolve("model.safetensors"), k -> k.startsWith(vision), k -> k.substring(vision.length()));
    return dir;
  }

  /** A llava-hf directory in the given layout. */
  public static Path llavaHf(LlavaModel model, Path dir, LlavaKeys.Layout layout) throws IOException {
    Files.createDirectories(dir);
    LlavaConfig c = model.config();
    ObjectNode config = JSON.createObjectNode().put("model_type", "llava").put("image_token_index", -200)
        .put("projector_hidden_act", "gelu").put("vision_feature_layer", c.featureSelection().layer())
        .put("vision_feature_select_strategy", "default");
    config.set("text_config", textJson(c.text()));
    config.set("vision_config", visionJson(c.vision()));
    Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
    weights(model, dir.resolve("model.safetensors"), k -> true, k -> LlavaKeys.toCheckpoint(k, layout));
    return dir;
  }
}
