package io.lntune.tools;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.export.Adapters;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --vision-tower}, {@code --adapter} and {@code --template}: how the commands that chat with
 * a LLaVA model load it (a picocli mixin; the command has its own {@code --model} and {@code
 * --tokenizer}).
 */
final class LlavaOptions {
  /** The help of {@code --vision-tower}, which {@code train} takes too. */
  static final String VISION_TOWER_HELP =
      "CLIP directory (or model id in the Hugging Face cache) when the model has "
          + "none inside; default: the config's mm_vision_tower.";

  @Option(
      names = "--vision-tower",
      converter = ModelPathConverter.class,
      paramLabel = "DIR|ID",
      description = VISION_TOWER_HELP)
  Path visionTower;

  @Option(
      names = "--adapter",
      paramLabel = "DIR|FILE",
      description =
          "A training result to apply on top of the "
              + "model: a PEFT adapter directory (LN_TUNING, or LORA merged in), a trainable-delta .safetensors, or a run "
              + "directory of lntune train.")
  Path adapter;

  @Option(
      names = "--template",
      defaultValue = "vicuna_v1",
      description =
          "Conversation template: vicuna_v1, "
              + "llava_v1, llama_2, llava_llama_2, v0 or plain. Default: ${DEFAULT-VALUE}.")
  String template;

  /**
   * {@return the LLaVA model in {@code dir}, its vision tower from {@code visionTower} when that
   * option is set}
   */
  static LlavaModel loadBase(Path dir, Placement placement, Path visionTower) {
    return visionTower == null
        ? LlavaModel.load(dir, placement)
        : LlavaModel.load(dir, placement, visionTower);
  }

  /** {@return the LLaVA model in {@code dir}, with the adapter applied when one was given} */
  LlavaModel load(Path dir, PlacementOptions placement) {
    LlavaModel model = loadBase(dir, placement.placement(), visionTower);
    if (adapter != null) {
      Adapters.apply(model, model.languageModel().blockLinears(), adapter);
    }
    return model;
  }

  ConversationTemplate conversationTemplate() {
    return ConversationTemplate.forName(template);
  }

  static Tokenizer tokenizer(Path tokenizer, Path model) {
    return Tokenizer.load(tokenizer != null ? tokenizer : model);
  }
}
