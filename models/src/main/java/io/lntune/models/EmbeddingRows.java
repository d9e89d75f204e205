package io.lntune.models;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.mean;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Grows an embedding (or LM head) weight for tokens added to the tokenizer, as LLaVA's {@code
 * smart_tokenizer_and_embedding_resize} does: every new row is the mean of the existing rows, so a
 * new token such as {@code [PAD]} or {@code <im_start>} starts as an average word instead of noise.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(dir).withPadToken("[PAD]");              // vocabSize() 32001
 * Tensor grown = EmbeddingRows.grow(embedTokens.weight(), tok.vocabSize()); // [32001, 4096]
 * }</pre>
 */
public final class EmbeddingRows {
  private EmbeddingRows() {}

  /**
   * {@return a new {@code [rows, dim]} tensor: {@code weight}'s rows, then mean-initialised ones}
   * Same dtype and device as {@code weight}, detached from autograd; {@code weight} is left as it
   * was.
   *
   * @param weight a {@code [vocab, dim]} weight
   * @param rows the new row count, at least {@code weight}'s
   * @throws IllegalArgumentException if {@code weight} is not 2-D or has more rows than {@code
   *     rows}
   */
  public static Tensor grow(Tensor weight, long rows) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException(
          "an embedding weight is [vocab, dim], got " + Tensors.shape(weight));
    }
    long old = weight.size(0);
    if (rows < old) {
      throw new IllegalArgumentException(
          "cannot grow " + Tensors.shape(weight) + " to " + rows + " rows");
    }
    return TensorScope.returning(
        () -> {
          Tensor w = weight.detach();
          Tensor avg = mean(w, new long[] {0}, true, new ScalarTypeOptional()); // [1, dim]
          return cat(new TensorVector(w, avg.expand(rows - old, w.size(1))), 0); // [rows, dim]
        });
  }
}
