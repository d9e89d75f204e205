package io.lntune.training.export;

import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.hub.RepoId;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigJson;
import io.lntune.models.llava.LlavaKeys;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A merged checkpoint in the original LLaVA repository's layout, as its {@code
 * load_pretrained_model} reads it: {@code LlavaLlamaForCausalLM}'s weights without the vision
 * tower, which LLaVA builds from {@code mm_vision_tower} (delay-loaded, so tower weights among the
 * model's would go unused). {@code build_vision_tower} accepts a path that exists from the working
 * directory, or an id beginning {@code openai} or {@code laion}: an untouched tower that the base
 * config named by such an id keeps that id; any other tower is written to {@code vision_tower/}
 * ({@code CLIPVisionModel} weights, its config and {@code CLIPImageProcessor}'s) and named by its
 * absolute path.
 */
final class OriginalLayout {
  static final String TOWER_DIR = "vision_tower";
  private static final Logger log = LoggerFactory.getLogger(OriginalLayout.class);

  private OriginalLayout() {}

  /**
   * Writes the files into {@code dir}, which becomes {@code target}; {@return the tokens added:
   * none}
   */
  static Map<String, Long> write(
      Path dir, Path target, LlavaConfig config, Map<String, Tensor> merged, boolean towerChanged)
      throws IOException {
    Map<String, Tensor> tower = new LinkedHashMap<>();
    Map<String, Tensor> rest = new LinkedHashMap<>();
    merged.forEach(
        (k, v) -> {
          if (k.startsWith(LlavaKeys.VISION)) {
            tower.put(k.substring(LlavaKeys.VISION.length()), v);
          } else {
            rest.put(k, v);
          }
        });
    var preprocessor =
        LlavaConfigJson.preprocessor(ClipImageProcessor.forImageSize(config.vision().imageSize()));
    Optional<String> towerId =
        towerChanged ? Optional.empty() : config.visionTowerPath().filter(OriginalLayout::llavaId);
    String towerName;
    if (towerId.isPresent()) {
      towerName = towerId.get();
    } else {
      Path towerDir = Files.createDirectories(dir.resolve(TOWER_DIR));
      SafetensorsWriter.write(towerDir.resolve("model.safetensors"), tower, Map.of("format", "pt"));
      ExportJson.write(towerDir.resolve("config.json"), LlavaConfigJson.vision(config.vision()));
      ExportJson.write(towerDir.resolve("preprocessor_config.json"), preprocessor);
      towerName = target.toAbsolutePath().normalize().resolve(TOWER_DIR).toString();
    }
    SafetensorsShards.write(dir, rest, MergedCheckpoint.MAX_SHARD_BYTES);
    ExportJson.write(dir.resolve("config.json"), LlavaConfigJson.original(config, towerName));
    ExportJson.write(dir.resolve("preprocessor_config.json"), preprocessor);
    if (!target
        .toAbsolutePath()
        .getFileName()
        .toString()
        .toLowerCase(Locale.ROOT)
        .contains("llava")) {
      log.warn(
          "{}: LLaVA's load_pretrained_model loads a LLaVA only from a folder whose name contains 'llava' "
              + "(it takes any other for a plain language model): rename it, e.g. to llava-{}",
          target,
          target.getFileName());
    }
    return Map.of();
  }

  /**
   * An id LLaVA's {@code build_vision_tower} accepts as it stands, and lntune finds in the Hugging
   * Face cache.
   */
  private static boolean llavaId(String tower) {
    return RepoId.parse(tower).filter(id -> id.revision().equals(RepoId.MAIN)).isPresent()
        && (tower.startsWith("openai/") || tower.startsWith("laion/"));
  }
}
