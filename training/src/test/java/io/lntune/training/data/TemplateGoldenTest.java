package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every template against LLaVA's prompts, ids and labels for the same conversations, produced by
 * tools/scripts/make_template_goldens.py (LLaVA's logic over Google's SentencePiece and the real LLaMA tokenizer).
 */
class TemplateGoldenTest {
  static final Tokenizer LLAMA = Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"));
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode goldens() throws IOException {
    try (InputStream in = TemplateGoldenTest.class.getResourceAsStream("template-goldens.json")) {
      return JSON.readTree(in);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "vicuna_v1", "llava_v1", "llama_2", "v0"})
  void matchesLlava(String name) throws IOException {
    JsonNode root = goldens();
    Map<String, LlavaSample> samples = new HashMap<>();
    int i = 0;
    for (JsonNode s : root.get("samples")) {
      LlavaSample sample = LlavaJson.sample(s, i++);
      samples.put(sample.id(), sample);
    }
    ConversationTemplate template = ConversationTemplate.forName(name);
    Tokenizer tok = LLAMA.withPadToken(template.padToken());
    JsonNode rows = root.get("templates").get(name);
    assertThat(rows.size()).isGreaterThanOrEqualTo(4);
    for (JsonNode row : rows) {
      LlavaSample sample = samples.get(row.get("id").asText());
      if (row.has("mismatch")) {
        SampleException e = catchThrowableOfType(SampleException.class, () -> template.tokenize(sample, tok));
        assertThat(e).as("sample %s", sample.id()).isNotNull();
        assertThat(e.problem()).isEqualTo(BadRow.TOKENIZATION_MISMATCH);
        assertThat(e.getMessage()).startsWith("sample " + sample.id() + ": tokenization mismatch: the rounds add up "
            + "to " + row.get("mismatch").get(0) + " tokens but the prompt has " + row.get("mismatch").get(1));
        continue;
      }
      List<Turn> turns = Turns.prepared(sample);
      if (!name.equals("plain") && !name.equals("v0")) {
        turns = Turns.alternating(sample.id(), turns);
      }
      assertThat(template.render(turns)).as("prompt of %s", sample.id()).isEqualTo(row.get("prompt").asText());
      TokenizedConversation t = template.tokenize(sample, tok);
      assertThat(t.inputIds()).as("ids of %s", sample.id()).containsExactly(JSON.convertValue(row.get("input_ids"),
          int[].class));
      assertThat(t.labels()).as("labels of %s", sample.id()).containsExactly(JSON.convertValue(row.get("labels"),
          int[].class));
      assertThat(t.images()).isEqualTo(sample.hasImage() ? 1 : 0);
    }
  }
}
