package io.lntune.training.data;

import io.lntune.models.llava.LlavaInput;
import io.lntune.torch.TensorScope;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * One training batch, right-padded: {@code inputIds} and {@code labels} {@code [batch, length]}
 * int64 (image placeholders {@link PromptTokens#IMAGE_TOKEN_INDEX} in the ids, {@link
 * PromptTokens#IGNORE_INDEX} in unsupervised and padded labels), {@code attentionMask} {@code
 * [batch, length]} bool (true on real tokens), and {@code images} {@code [images, channels, height,
 * width]} float32, one per placeholder in row-major order ({@code [0, C, H, W]} when the batch is
 * text only). Owns its tensors: close it when the step is done.
 *
 * <pre>{@code
 * try (Batch b = loader.next()) {
 *   CausalLmLoss.Result loss = model.loss(b.input());
 * }
 * }</pre>
 *
 * <p>Its tensors do not belong to any {@link TensorScope} that is open when the batch is made. Not
 * thread-safe.
 */
public final class Batch implements AutoCloseable {
  private final List<String> sampleIds;
  private final Tensor inputIds;
  private final Tensor attentionMask;
  private final Tensor labels;
  private final Tensor images;
  private boolean closed;

  private Batch(
      List<String> sampleIds, Tensor inputIds, Tensor attentionMask, Tensor labels, Tensor images) {
    this.sampleIds = sampleIds;
    this.inputIds = inputIds;
    this.attentionMask = attentionMask;
    this.labels = labels;
    this.images = images;
  }

  /**
   * {@return token rows right-padded with {@code padId} into one batch without pictures} Its {@code
   * images} is {@code [0, 0, 0, 0]}: a caller that spliced placeholders in passes the pictures to
   * the model itself.
   */
  public static Batch ofTokens(List<TokenizedConversation> rows, int padId) {
    return collate(
        rows.stream().map(t -> new PreparedSample(t, null, null)).toList(),
        padId,
        new int[] {0, 0, 0});
  }

  /** Pads and stacks prepared samples; {@code imageShape} is the transform's {@code [C, H, W]}. */
  static Batch collate(List<PreparedSample> samples, int padId, int[] imageShape) {
    int b = samples.size();
    int t = samples.stream().mapToInt(s -> s.tokens().inputIds().length).max().orElse(0);
    long[] ids = new long[b * t];
    long[] labels = new long[b * t];
    boolean[] mask = new boolean[b * t];
    Arrays.fill(ids, padId);
    Arrays.fill(labels, PromptTokens.IGNORE_INDEX);
    int imageSize = imageShape[0] * imageShape[1] * imageShape[2];
    int imageCount = samples.stream().mapToInt(s -> s.pixels() == null ? 0 : 1).sum();
    float[] pixels = new float[imageCount * imageSize];
    int img = 0;
    for (int row = 0; row < b; row++) {
      TokenizedConversation s = samples.get(row).tokens();
      for (int j = 0; j < s.inputIds().length; j++) {
        ids[row * t + j] = s.inputIds()[j];
        labels[row * t + j] = s.labels()[j];
        mask[row * t + j] = true;
      }
      float[] px = samples.get(row).pixels();
      if (px != null) {
        System.arraycopy(px, 0, pixels, img++ * imageSize, imageSize);
      }
    }
    try (TensorScope scope = TensorScope.open()) {
      return new Batch(
          samples.stream().map(s -> s.tokens().id()).toList(),
          scope.keep(Tensor.create(ids, b, t)),
          scope.keep(Tensor.create(mask, b, t)),
          scope.keep(Tensor.create(labels, b, t)),
          scope.keep(
              Tensor.create(pixels, imageCount, imageShape[0], imageShape[1], imageShape[2])));
    }
  }

  /** {@return the ids of the samples, one per row} */
  public List<String> sampleIds() {
    return sampleIds;
  }

  public Tensor inputIds() {
    return check(inputIds);
  }

  public Tensor attentionMask() {
    return check(attentionMask);
  }

  public Tensor labels() {
    return check(labels);
  }

  public Tensor images() {
    return check(images);
  }

  /**
   * {@return the model's input: the ids, attention mask and labels, and the images when there are
   * any}
   */
  public LlavaInput input() {
    LlavaInput input =
        LlavaInput.of(inputIds()).withAttentionMask(attentionMask()).withLabels(labels());
    return images().size(0) > 0 ? input.withPixels(images()) : input;
  }

  /** {@return the number of rows} */
  public int size() {
    return sampleIds.size();
  }

  private Tensor check(Tensor t) {
    if (closed) {
      throw new IllegalStateException("batch is closed");
    }
    return t;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      images.close();
      labels.close();
      attentionMask.close();
      inputIds.close();
    }
  }
}
