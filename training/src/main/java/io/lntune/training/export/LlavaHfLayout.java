package io.lntune.training.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.EmbeddingRows;
import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigJson;
import io.lntune.models.llava.LlavaKeys;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A merged checkpoint in llava-hf's layout, as transformers' {@code LlavaForConditionalGeneration}
 * and {@code LlavaProcessor} read it: the key names of {@link LlavaKeys.Layout#LLAVA_HF}, a config
 * with {@code text_config} and {@code vision_config}, {@code preprocessor_config.json} and {@code
 * processor_config.json}. llava-hf marks each image with a token of the vocabulary; a model in
 * LLaVA's own layout, which marks images with the out-of-vocabulary id -200, gets {@code <image>}
 * and {@code <pad>} appended and its embedding rows padded to a multiple of 64, as transformers'
 * {@code convert_llava_weights_to_hf} does (the new rows are the mean of the old ones, that
 * script's distribution without its noise).
 */
final class LlavaHfLayout {
  /** The row multiple of llava-hf's embeddings ({@code pad_to_multiple_of} in the conversion). */
  static final long ROW_MULTIPLE = 64;

  private LlavaHfLayout() {}

  /** Writes the files into {@code dir}; {@return the tokens the vocabulary gained, by id} */
  static Map<String, Long> write(Path dir, LlavaConfig config, Map<String, Tensor> merged) {
    long vocab = config.text().vocabSize();
    long image = config.imageTokenIndex();
    long pad = config.text().padTokenId();
    Map<String, Long> added = new LinkedHashMap<>();
    LlavaConfig hf = config;
    if (image < 0 || image >= vocab) {
      image = vocab;
      pad = vocab + 1;
      added.put("<image>", image);
      added.put("<pad>", pad);
      long rows = (vocab + 2 + ROW_MULTIPLE - 1) / ROW_MULTIPLE * ROW_MULTIPLE;
      hf = config.withText(config.text().withVocabSize(rows));
      for (String name : new String[] {"model.embed_tokens.weight", "lm_head.weight"}) {
        merged.computeIfPresent(name, (k, w) -> EmbeddingRows.grow(w, rows));
      }
    }
    ObjectNode json =
        LlavaConfigJson.llavaHf(hf, image, pad); // refuses what llava-hf cannot express
    Map<String, Tensor> renamed = new LinkedHashMap<>();
    merged.forEach(
        (name, t) -> renamed.put(LlavaKeys.toCheckpoint(name, LlavaKeys.Layout.LLAVA_HF), t));
    SafetensorsShards.write(dir, renamed, MergedCheckpoint.MAX_SHARD_BYTES);
    ExportJson.write(dir.resolve("config.json"), json);
    ExportJson.write(
        dir.resolve("preprocessor_config.json"),
        LlavaConfigJson.preprocessor(ClipImageProcessor.forImageSize(hf.vision().imageSize()))
            .put("processor_class", "LlavaProcessor"));
    ExportJson.write(
        dir.resolve("processor_config.json"),
        ExportJson.JSON
            .createObjectNode()
            .put("image_token", "<image>")
            .put("num_additional_image_tokens", 1) // CLIP's class token
            .put("patch_size", hf.vision().patchSize())
            .put("processor_class", "LlavaProcessor")
            .put(
                "vision_feature_select_strategy",
                json.get("vision_feature_select_strategy").asText()));
    return added;
  }
}
