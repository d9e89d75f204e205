package io.lntune.training.data;

import io.lntune.models.tokenizer.Tokenizer;

/**
 * LLaVA's {@code tokenizer_image_token}: a prompt is cut at every {@code <image>}, each piece is
 * tokenized on its own (BOS included, as Hugging Face's {@code tokenizer(piece)} does), the BOS of
 * every piece but the first is dropped, and a single {@link #IMAGE_TOKEN_INDEX} stands where each
 * image was.
 *
 * <pre>{@code
 * int[] ids = PromptTokens.withImages(tokenizer, "USER: <image>\nWhat is it?");
 * // [1, 3148, 1001, 29901, 29871, -200, 29871, 13, 5618, 338, 372, 29973]
 * }</pre>
 */
public final class PromptTokens {
  /** The id that marks the image's place in {@code input_ids}; never a vocabulary id. */
  public static final int IMAGE_TOKEN_INDEX = -200;

  /** The label of a position the loss ignores. */
  public static final int IGNORE_INDEX = -100;

  private PromptTokens() {}

  /** {@return the ids of {@code prompt}, an image placeholder for each {@code <image>}} */
  public static int[] withImages(Tokenizer tok, String prompt) {
    String[] chunks = prompt.split(LlavaText.IMAGE, -1);
    int[][] ids = new int[chunks.length][];
    for (int i = 0; i < chunks.length; i++) {
      ids[i] = tok.encodeForModel(chunks[i]);
    }
    int bos = tok.specialTokens().bos();
    int offset = ids[0].length > 0 && ids[0][0] == bos ? 1 : 0;
    int total = offset + chunks.length - 1;
    for (int[] chunk : ids) {
      total += chunk.length - offset;
    }
    int[] out = new int[total];
    int n = 0;
    if (offset == 1) {
      out[n++] = bos;
    }
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        out[n++] = IMAGE_TOKEN_INDEX;
      }
      System.arraycopy(ids[i], offset, out, n, ids[i].length - offset);
      n += ids[i].length - offset;
    }
    return out;
  }

  /**
   * {@return the ids of {@code prompt}: with image placeholders for an image sample, plain text
   * otherwise}
   */
  static int[] of(Tokenizer tok, String prompt, boolean hasImage) {
    return hasImage ? withImages(tok, prompt) : tok.encodeForModel(prompt);
  }
}
