package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every template against LLaVA's prompts, ids and labels for the same conversations, produced by
 * tools/scripts/make_template_goldens.py (LLaVA's logic over Google's SentencePiece and the real
 * LLaMA tokenizer), for a legacy tokenizer, a non-legacy one ({@code legacy: false}, as LLaVA-1.5's
 * and llava-hf's files say) and a non-legacy one with {@code <im_start>}/{@code <im_end>}.
 */
public class TemplateGoldenTest {
  static final Tokenizer LLAMA =
      Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"));
  private static final Tokenizer NON_LEGACY = nonLegacyLlama();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@return the golden file: samples, the three setups' rows, generation prompts} */
  public static JsonNode goldens() throws IOException {
    try (InputStream in = TemplateGoldenTest.class.getResourceAsStream("template-goldens.json")) {
      return JSON.readTree(in);
    }
  }

  /**
   * {@return the tokenizer of a golden setup for {@code template}}, built as the script builds it:
   * LLaMA's, legacy or not, with the template's pad token, then {@code <im_start>} and {@code
   * <im_end>} when the setup uses them
   */
  public static Tokenizer tokenizer(JsonNode setup, ConversationTemplate template) {
    Tokenizer t =
        (setup.get("legacy").asBoolean() ? LLAMA : NON_LEGACY).withPadToken(template.padToken());
    return t.withAddedTokens(markup(setup).tokens(), true);
  }

  /** {@return the image markup of a golden setup} */
  public static ImageMarkup markup(JsonNode setup) {
    return setup.get("im_start_end").asBoolean() ? ImageMarkup.START_END : ImageMarkup.BARE;
  }

  private static Tokenizer nonLegacyLlama() {
    try {
      Path dir = Files.createTempDirectory("non-legacy-llama");
      Files.copy(
          Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"),
          dir.resolve("tokenizer.model"));
      Files.writeString(dir.resolve("tokenizer_config.json"), "{\"legacy\": false}");
      Tokenizer t = Tokenizer.load(dir);
      Files.delete(dir.resolve("tokenizer.model"));
      Files.delete(dir.resolve("tokenizer_config.json"));
      Files.delete(dir);
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> setups() {
    return List.of("legacy", "non_legacy", "non_legacy_im_start_end");
  }

  @ParameterizedTest
  @MethodSource("setups")
  void matchesLlava(String setupName) throws IOException {
    JsonNode root = goldens();
    Map<String, LlavaSample> samples = new HashMap<>();
    int i = 0;
    for (JsonNode s : root.get("samples")) {
      LlavaSample sample = LlavaJson.sample(s, i++);
      samples.put(sample.id(), sample);
    }
    JsonNode setup = root.get("setups").get(setupName);
    assertThat(setup.get("templates").size()).isEqualTo(6);
    int differFromLegacy = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = setup.get("templates").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      ConversationTemplate template = ConversationTemplate.forName(entry.getKey());
      Tokenizer tok = tokenizer(setup, template);
      ImageMarkup markup = markup(setup);
      assertThat(entry.getValue().size()).isGreaterThanOrEqualTo(4);
      for (JsonNode row : entry.getValue()) {
        LlavaSample sample = samples.get(row.get("id").asText());
        String where = setupName + " " + template.name() + " " + sample.id();
        if (row.has("mismatch")) {
          SampleException e =
              catchThrowableOfType(
                  SampleException.class, () -> template.tokenize(sample, tok, markup));
          assertThat(e).as(where).isNotNull();
          assertThat(e.problem()).isEqualTo(BadRow.TOKENIZATION_MISMATCH);
          assertThat(e.getMessage())
              .as(where)
              .startsWith(
                  "sample "
                      + sample.id()
                      + ": tokenization mismatch: the "
                      + "rounds add up to "
                      + row.get("mismatch").get(0)
                      + " tokens but the prompt has "
                      + row.get("mismatch").get(1));
          continue;
        }
        TokenizedConversation t = template.tokenize(sample, tok, markup);
        int[] ids = JSON.convertValue(row.get("input_ids"), int[].class);
        List<Turn> turns = Turns.prepared(sample, markup);
        if (!(template instanceof PlainTemplate) && !(template instanceof V0Template)) {
          turns = Turns.alternating(sample.id(), turns);
        }
        assertThat(template.render(turns))
            .as("prompt of %s", where)
            .isEqualTo(row.get("prompt").asText());
        assertThat(t.inputIds()).as("ids of %s", where).containsExactly(ids);
        assertThat(t.labels())
            .as("labels of %s", where)
            .containsExactly(JSON.convertValue(row.get("labels"), int[].class));
        assertThat(t.images()).isEqualTo(sample.hasImage() ? 1 : 0);
        differFromLegacy +=
            Arrays.equals(
                    ids,
                    template
                        .tokenize(sample, LLAMA.withPadToken(template.padToken()), ImageMarkup.BARE)
                        .inputIds())
                ? 0
                : 1;
      }
    }
    assertThat(differFromLegacy > 0)
        .as("the setup changes some ids")
        .isEqualTo(!setupName.equals("legacy"));
  }
}
