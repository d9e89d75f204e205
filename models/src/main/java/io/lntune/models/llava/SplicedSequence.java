package io.lntune.models.llava;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.stack;

import io.lntune.models.nn.CausalLmLoss;
import io.lntune.torch.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Builds the language model's input from token ids with image placeholders ({@link
 * LlavaConfig#IMAGE_TOKEN_INDEX}), as LLaVA's {@code prepare_inputs_labels_for_multimodal} does:
 * each placeholder is replaced by its image's projected features (one row per image token), labels
 * there become -100, padding is dropped, sequences are truncated to the maximum length (image
 * positions count) and right-padded again with zero embeddings.
 *
 * @param embeds [B, L, D]
 * @param attentionMask [B, L] int64
 * @param labels [B, L] int64, or null
 */
record SplicedSequence(Tensor embeds, Tensor attentionMask, Tensor labels) {

  /**
   * @param ids [B, T] int64 with {@link LlavaConfig#IMAGE_TOKEN_INDEX} where images go
   * @param mask [B, T] (1 = real token) or null
   * @param labels [B, T] or null
   * @param tokenEmbeds [B, T, D], the embeddings of {@code ids} (placeholders embedded as any id)
   * @param images [N, P, D] projected features, in the order the placeholders appear (row by row),
   *     or null
   */
  static SplicedSequence of(
      Tensor ids, Tensor mask, Tensor labels, Tensor tokenEmbeds, Tensor images, long maxLength) {
    long placeholder = LlavaConfig.IMAGE_TOKEN_INDEX;
    int b = (int) ids.size(0);
    int t = (int) ids.size(1);
    long[] idv = Tensors.longs(ids, b * t);
    long[] maskv = mask == null ? null : Tensors.longs(mask, b * t);
    long[] labelv = labels == null ? null : Tensors.longs(labels, b * t);
    long imagesGiven = images == null ? 0 : images.size(0);
    long imageTokens = images == null ? 0 : images.size(1);
    int image = 0;
    List<Tensor> rows = new ArrayList<>();
    List<long[]> rowLabels = new ArrayList<>();
    int longest = 0;
    for (int row = 0; row < b; row++) {
      TensorVector pieces = new TensorVector();
      List<Long> lab = new ArrayList<>();
      int start = -1; // start of the current run of text tokens
      for (int i = 0; i <= t; i++) {
        boolean real = i < t && (maskv == null || maskv[row * t + i] != 0);
        boolean isImage = real && idv[row * t + i] == placeholder;
        boolean text = real && !isImage;
        if (text && start < 0) {
          start = i;
        }
        if (!text && start >= 0) {
          pieces.push_back(tokenEmbeds.select(0, row).narrow(0, start, i - start));
          for (int j = start; j < i; j++) {
            lab.add(labelv == null ? CausalLmLoss.IGNORE_INDEX : labelv[row * t + j]);
          }
          start = -1;
        }
        if (isImage) {
          if (image >= imagesGiven) {
            throw new IllegalArgumentException(
                "the input ids hold more image placeholders ("
                    + placeholder
                    + ") than the "
                    + imagesGiven
                    + " images given");
          }
          pieces.push_back(images.select(0, image++));
          for (long j = 0; j < imageTokens; j++) {
            lab.add(CausalLmLoss.IGNORE_INDEX);
          }
        }
      }
      if (pieces.size() == 0) {
        throw new IllegalArgumentException("sample " + row + " of the batch has no real tokens");
      }
      Tensor seq = cat(pieces, 0); // [len, D]
      int length = (int) Math.min(seq.size(0), maxLength);
      rows.add(seq.narrow(0, 0, length));
      rowLabels.add(lab.subList(0, length).stream().mapToLong(Long::longValue).toArray());
      longest = Math.max(longest, length);
    }
    if (image != imagesGiven) {
      throw new IllegalArgumentException(
          imagesGiven
              + " images were given but the input ids hold "
              + image
              + " image placeholders ("
              + placeholder
              + ")");
    }
    TensorVector padded = new TensorVector();
    long[] outMask = new long[b * longest];
    long[] outLabels = new long[b * longest];
    Arrays.fill(outLabels, CausalLmLoss.IGNORE_INDEX);
    for (int row = 0; row < b; row++) {
      Tensor r = rows.get(row);
      int length = (int) r.size(0);
      padded.push_back(
          length == longest
              ? r
              : cat(new TensorVector(r, r.new_zeros(new long[] {longest - length, r.size(1)})), 0));
      Arrays.fill(outMask, row * longest, row * longest + length, 1L);
      System.arraycopy(rowLabels.get(row), 0, outLabels, row * longest, length);
    }
    Tensor device = tokenEmbeds;
    return new SplicedSequence(
        stack(padded, 0), // [B, L, D]
        onDevice(Tensor.create(outMask, b, longest), device),
        labels == null ? null : onDevice(Tensor.create(outLabels, b, longest), device));
  }

  /**
   * {@return this sequence with each row's padding moved to its front (generation continues at the
   * end), labels dropped}
   */
  SplicedSequence leftPadded() {
    int b = (int) embeds.size(0);
    int width = (int) embeds.size(1);
    long[] maskv = Tensors.longs(attentionMask, b * width);
    long[] outMask = new long[maskv.length];
    TensorVector rows = new TensorVector();
    for (int row = 0; row < b; row++) {
      int length = 0;
      while (length < width && maskv[row * width + length] != 0) {
        length++;
      }
      Tensor r = embeds.select(0, row).narrow(0, 0, length); // [length, D]
      rows.push_back(
          length == width
              ? r
              : cat(new TensorVector(r.new_zeros(new long[] {width - length, r.size(1)}), r), 0));
      Arrays.fill(outMask, row * width + width - length, (row + 1) * width, 1L);
    }
    return new SplicedSequence(
        stack(rows, 0), onDevice(Tensor.create(outMask, b, width), embeds), null);
  }

  private static Tensor onDevice(Tensor cpu, Tensor like) {
    return cpu.to(like.device(), ScalarType.Long);
  }

  /** {@return the ids with placeholders replaced by 0, so that they can be embedded} */
  static Tensor embeddable(Tensor ids) {
    return ids.masked_fill(ids.eq(new Scalar(LlavaConfig.IMAGE_TOKEN_INDEX)), new Scalar(0L));
  }
}
