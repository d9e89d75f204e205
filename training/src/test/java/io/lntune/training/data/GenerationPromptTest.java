package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationPromptTest {
  private static final List<Turn> SHOT_AND_QUESTION =
      List.of(
          new Turn(Turn.HUMAN, "What is 2+2?"),
          new Turn(Turn.GPT, "4"),
          new Turn(Turn.HUMAN, "<image>\nWhat colour is it?"));

  @Test
  void vicunaPromptsEndWithTheAssistantsRole() {
    ConversationTemplate t = ConversationTemplate.forName("vicuna_v1");
    assertThat(t.prompt(SHOT_AND_QUESTION))
        .isEqualTo(
            TwoSeparatorTemplate.vicunaV1().system()
                + " USER: What is 2+2? ASSISTANT: 4</s>USER: <image>\nWhat colour is it? ASSISTANT:");
    assertThat(t.stopString()).isEqualTo("</s>");
  }

  @Test
  void otherTemplatesOpenTheReplyAsLlavaDoes() {
    assertThat(ConversationTemplate.forName("llama_2").prompt(SHOT_AND_QUESTION))
        .startsWith("[INST] <<SYS>>\n")
        .endsWith(" [/INST] 4 </s><s>[INST] <image>\nWhat colour is it? [/INST]");
    assertThat(
            ConversationTemplate.forName("plain")
                .prompt(List.of(new Turn(Turn.HUMAN, "<image>\nDescribe."))))
        .isEqualTo("<image>\nDescribe.\n");
    assertThat(ConversationTemplate.forName("v0").prompt(List.of(new Turn(Turn.HUMAN, "Hi"))))
        .isEqualTo(
            V0Template.SYSTEM
                + "###Human: "
                + V0Template.EXAMPLE_QUESTION
                + "###Assistant: "
                + V0Template.EXAMPLE_ANSWER
                + "###Human: Hi###Assistant:");
    assertThat(ConversationTemplate.forName("llava_llama_2").prompt(SHOT_AND_QUESTION))
        .startsWith("[INST] <<SYS>>\nYou are a helpful language and vision assistant. ")
        .endsWith(" [/INST] 4 </s><s>[INST] <image>\nWhat colour is it? [/INST]");
    assertThat(ConversationTemplate.forName("v0").stopString()).isEqualTo("###");
    assertThat(ConversationTemplate.forName("plain").stopString()).isEqualTo("\n");
  }

  @Test
  void aPromptMustEndWithTheHumanTurn() {
    assertThatThrownBy(
            () -> ConversationTemplate.forName("v1").prompt(SHOT_AND_QUESTION.subList(0, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ending with gpt");
  }
}
