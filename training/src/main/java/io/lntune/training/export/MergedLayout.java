package io.lntune.training.export;

import java.util.Locale;

/**
 * The layouts of a merged checkpoint, each for the Python code that loads it.
 *
 * <pre>{@code
 * MergedLayout layout = MergedLayout.parse("llava-hf");      // as --export-format takes it
 * Path target = outputDir.resolve(layout.defaultFolder());    // llava-hf-merged
 * }</pre>
 */
public enum MergedLayout {
  /**
   * The original LLaVA repository's: {@code LlavaLlamaForCausalLM} weights ({@code model.layers.*},
   * {@code model.mm_projector.*}, {@code lm_head}) with the vision tower named by {@code
   * mm_vision_tower}; loads with LLaVA's {@code load_pretrained_model}, which wants "llava" in the
   * folder's name.
   */
  ORIGINAL("original", "llava-merged"),
  /**
   * transformers' {@code LlavaForConditionalGeneration} ({@code llava-hf/*}): {@code
   * language_model.*}, {@code vision_tower.*}, {@code multi_modal_projector.*}, with an {@code
   * <image>} token in the vocabulary.
   */
  LLAVA_HF("llava-hf", "llava-hf-merged");

  private final String option;
  private final String defaultFolder;

  MergedLayout(String option, String defaultFolder) {
    this.option = option;
    this.defaultFolder = defaultFolder;
  }

  /** {@return the name {@code --export-format} takes} */
  public String option() {
    return option;
  }

  /** {@return the folder a tuner writes this layout to, inside its output directory} */
  public String defaultFolder() {
    return defaultFolder;
  }

  /**
   * {@return the layout {@code name} names: {@code original} or {@code llava-hf}, in any case}
   *
   * @throws IllegalArgumentException listing the names
   */
  public static MergedLayout parse(String name) {
    for (MergedLayout l : values()) {
      if (l.option.equals(name.strip().toLowerCase(Locale.ROOT))
          || l.name().equalsIgnoreCase(name.strip())) {
        return l;
      }
    }
    throw new IllegalArgumentException(
        "unknown export format '" + name + "': expected original or llava-hf");
  }
}
