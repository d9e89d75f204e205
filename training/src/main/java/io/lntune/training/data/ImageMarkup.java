package io.lntune.training.data;

import io.lntune.models.llava.LlavaConfig;
import java.util.List;

/**
 * How an image is written in the text a LLaVA model reads: the bare {@code <image>} placeholder,
 * or, for models trained with {@code mm_use_im_start_end}, the placeholder between {@code
 * <im_start>} and {@code <im_end>} (two tokens LLaVA adds to the vocabulary; see {@link
 * LlavaVocabulary}). LLaVA's {@code preprocess_multimodal} wraps the image this way in training
 * data, and its evaluation scripts in every question.
 *
 * <pre>{@code
 * ImageMarkup m = ImageMarkup.of(model.config());   // START_END when config.json sets mm_use_im_start_end
 * m.image();                                      // "<im_start><image><im_end>"
 * }</pre>
 */
public enum ImageMarkup {
  /** {@code <image>} alone (LLaVA-1.5, llava-hf). */
  BARE(LlavaText.IMAGE),
  /** {@code <im_start><image><im_end>}. */
  START_END(ImageMarkup.IM_START + LlavaText.IMAGE + ImageMarkup.IM_END);

  /** LLaVA's {@code DEFAULT_IM_START_TOKEN}. */
  public static final String IM_START = "<im_start>";

  /** LLaVA's {@code DEFAULT_IM_END_TOKEN}. */
  public static final String IM_END = "<im_end>";

  private final String image;

  ImageMarkup(String image) {
    this.image = image;
  }

  /** {@return the markup {@code config} asks for ({@code mm_use_im_start_end})} */
  public static ImageMarkup of(LlavaConfig config) {
    return config.useImStartEnd() ? START_END : BARE;
  }

  /** {@return the text that stands for one image} */
  public String image() {
    return image;
  }

  /**
   * {@return the tokens this markup needs in the tokenizer beyond {@code <image>}, which is never
   * tokenized}
   */
  public List<String> tokens() {
    return this == START_END ? List.of(IM_START, IM_END) : List.of();
  }

  /** {@return {@code text} with every bare {@code <image>} written in this markup} */
  public String wrap(String text) {
    return this == BARE ? text : text.replace(LlavaText.IMAGE, image);
  }
}
