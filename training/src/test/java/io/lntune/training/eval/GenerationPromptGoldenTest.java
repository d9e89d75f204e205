package io.lntune.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.TemplateGoldenTest;
import io.lntune.training.data.Turn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The questions {@link LlavaAnswerer} asks, against LLaVA's evaluation prompts (model_vqa.py's
 * image prefix, the template's get_prompt with an empty assistant message, tokenizer_image_token)
 * as tools/scripts/make_template_goldens.py writes them, for every template, with and without
 * {@code <im_start>} and {@code <im_end>}.
 */
class GenerationPromptGoldenTest {
  @Test
  void everyTemplateAsksAsLlavasEvaluation() throws Exception {
    JsonNode root = TemplateGoldenTest.goldens();
    int checked = 0;
    for (JsonNode row : root.get("prompts")) {
      JsonNode setup = root.get("setups").get(row.get("setup").asText());
      ConversationTemplate template = ConversationTemplate.forName(row.get("template").asText());
      Tokenizer tok = TemplateGoldenTest.tokenizer(setup, template);
      try (LlavaModel m =
          TinyLlava.random(3, 32000, TemplateGoldenTest.markup(setup) == ImageMarkup.START_END)) {
        LlavaAnswerer answerer = new LlavaAnswerer(m, tok, template, GenerationConfig.greedy(1));
        List<Turn> shots = new ArrayList<>();
        row.get("shots")
            .forEach(
                s -> {
                  shots.add(new Turn(Turn.HUMAN, s.get(0).asText()));
                  shots.add(new Turn(Turn.GPT, s.get(1).asText()));
                });
        LlavaAnswerer.Question q =
            LlavaAnswerer.Question.about(Path.of("x.png"), row.get("question").asText(), shots);
        String where =
            row.get("setup").asText() + " " + template.name() + " " + shots.size() + " shot turns";
        assertThat(answerer.prompt(q)).as(where).isEqualTo(row.get("prompt").asText());
        long[] expected = new long[row.get("input_ids").size()];
        for (int i = 0; i < expected.length; i++) {
          expected[i] = row.get("input_ids").get(i).asLong();
        }
        assertThat(answerer.promptIds(q)).as(where).containsExactly(expected);
        assertThat(m.config().text().vocabSize())
            .as("rows for the tokenizer's ids")
            .isEqualTo(tok.vocabSize());
        checked++;
      }
    }
    assertThat(checked).isEqualTo(3 * 6 * 2 - 3);
  }

  @Test
  void anImagePlaceholderInTheQuestionSaysWhereTheImageGoes() throws Exception {
    try (LlavaModel m = TinyLlava.random(3, 32000, true)) {
      ConversationTemplate v1 = ConversationTemplate.forName("vicuna_v1");
      LlavaAnswerer a =
          new LlavaAnswerer(
              m,
              TemplateGoldenTest.tokenizer(
                  TemplateGoldenTest.goldens().get("setups").get("non_legacy"), v1),
              v1,
              GenerationConfig.greedy(1));
      assertThat(m.config().text().vocabSize())
          .as("<im_start> and <im_end> got rows")
          .isEqualTo(32002);
      assertThat(
              a.prompt(LlavaAnswerer.Question.about(Path.of("x.png"), "Look: <image> What is it?")))
          .endsWith("USER: Look: <im_start><image><im_end> What is it? ASSISTANT:");
      assertThatThrownBy(
              () -> a.prompt(LlavaAnswerer.Question.about(Path.of("x.png"), "<image><image>")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("question '<image><image>' holds 2 <image> placeholders but one image");
      assertThatThrownBy(() -> a.prompt(LlavaAnswerer.Question.textOnly("<image> hi", List.of())))
          .hasMessage("question '<image> hi' holds 1 <image> placeholders but no image");
    }
  }
}
