package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigJson;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.torch.DType;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configs lntune writes against the published ones, field for field: {@code
 * published-llava-v1.5-7b.config.json} is liuhaotian/llava-v1.5-7b's {@code config.json} and {@code
 * published-llava-1.5-7b-hf.config.json} is llava-hf/llava-1.5-7b-hf's, as the Hugging Face hub
 * serves them.
 */
class PublishedLayoutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOWER = "openai/clip-vit-large-patch14-336";

  /** Fields that say who wrote the file, not what the model is. */
  private static final Set<String> PROVENANCE = Set.of("_name_or_path", "transformers_version");

  /**
   * llava-hf's vision_config carries two fields {@code CLIPVisionModel} does not read: {@code
   * projection_dim} (for {@code CLIPVisionModelWithProjection}) and a {@code vocab_size} left over
   * from the conversion.
   */
  private static final Set<String> UNREAD_VISION = Set.of("projection_dim", "vocab_size");

  @TempDir Path dir;

  private static JsonNode published(String name) throws Exception {
    try (InputStream in = PublishedLayoutTest.class.getResourceAsStream(name)) {
      return JSON.readTree(in);
    }
  }

  /** llava-v1.5-7b's shape in lntune's presets, as its checkpoint is saved (fp16). */
  private static LlavaConfig llava15() {
    LlavaConfig c = LlavaConfigs.byName("llava-v1.5-vicuna-7b");
    return new LlavaConfig(
        c.text().withTorchDtype(DType.F16),
        c.vision(),
        c.projectorType(),
        c.featureSelection(),
        c.imageTokenIndex(),
        c.useImStartEnd(),
        c.imageAspectRatio(),
        c.maxLength(),
        Optional.of(TOWER));
  }

  /**
   * Every field of {@code expected} but {@code except} is in {@code actual} with the same value.
   */
  private static void sameFields(
      JsonNode expected, JsonNode actual, Set<String> except, String where) {
    for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (except.contains(field) || expected.get(field).isObject()) {
        continue;
      }
      JsonNode e = expected.get(field);
      JsonNode a = actual.get(field);
      assertThat(a).as(where + field).isNotNull();
      if (e.isNumber() && a.isNumber()) {
        assertThat(a.doubleValue()).as(where + field).isEqualTo(e.doubleValue());
      } else {
        assertThat(a).as(where + field).isEqualTo(e);
      }
    }
  }

  /**
   * Every field name of {@code expected} but {@code except}, nested ones too, is in {@code actual}.
   */
  private static void sameNames(
      JsonNode expected, JsonNode actual, Set<String> except, String where) {
    for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!except.contains(field)) {
        assertThat(actual.has(field)).as(where + field).isTrue();
        if (expected.get(field).isObject()) {
          sameNames(
              expected.get(field),
              actual.get(field),
              field.equals("vision_config") ? UNREAD_VISION : PROVENANCE,
              where + field + ".");
        }
      }
    }
  }

  @Test
  void theOriginalConfigHasLlavaV15sFieldsAndValues() throws Exception {
    JsonNode expected = published("published-llava-v1.5-7b.config.json");
    JsonNode ours = LlavaConfigJson.original(llava15(), TOWER);
    // 2023's configs say "llava"; LLaVA's code registers LlavaLlamaForCausalLM's config as
    // "llava_llama", and newer
    // transformers read "llava" as llava-hf's LlavaConfig
    assertThat(ours.get("model_type").asText()).isEqualTo("llava_llama");
    sameFields(expected, ours, Set.of("_name_or_path", "transformers_version", "model_type"), "");
  }

  @Test
  void theLlavaHfConfigHasLlava15HfsFieldsAndValues() throws Exception {
    JsonNode expected = published("published-llava-1.5-7b-hf.config.json");
    LlavaConfig c = llava15();
    JsonNode ours =
        LlavaConfigJson.llavaHf(c.withText(c.text().withVocabSize(32064)), 32000, 32001);
    sameFields(expected, ours, PROVENANCE, "");
    sameFields(expected.get("text_config"), ours.get("text_config"), PROVENANCE, "text_config.");
    sameFields(
        expected.get("vision_config"), ours.get("vision_config"), UNREAD_VISION, "vision_config.");
  }

  @Test
  void mergedExportsWriteEveryPublishedField() throws Exception {
    for (MergedLayout layout : MergedLayout.values()) {
      LlavaModel model = ExportTest.base();
      Path out = dir.resolve(layout.defaultFolder());
      MergedCheckpoint.write(out, model, ExportTensors.of(model), layout);
      JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
      String published =
          layout == MergedLayout.ORIGINAL
              ? "published-llava-v1.5-7b.config.json"
              : "published-llava-1.5-7b-hf.config.json";
      sameNames(published(published), config, PROVENANCE, layout + ": ");
      model.close();
    }
  }
}
