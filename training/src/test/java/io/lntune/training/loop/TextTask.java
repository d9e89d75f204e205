package io.lntune.training.loop;

import io.lntune.models.llama.LlamaModel;
import java.util.Iterator;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * A learnable toy language task for trainer tests: counting sequences (a, a+k, a+2k, ...) mod the
 * vocabulary.
 */
final class TextTask {
  /** A micro-batch of token ids, every one after the first supervised, that owns its tensor. */
  record Batch(Tensor ids) implements NextTokenTask.Tokens {
    @Override
    public void close() {
      ids.close();
    }
  }

  private TextTask() {}

  /** {@return the next-token task on {@code model}, for these batches} */
  static NextTokenTask<Batch> loss(LlamaModel model) {
    return new NextTokenTask<>(model);
  }

  /**
   * Micro-batches of {@code rows} sequences of {@code length}, the i-th always the same for a seed.
   */
  static Iterator<Batch> data(long seed, long from, int rows, int length, long vocab) {
    return Endless.from(
        from,
        index -> {
          Random r = new Random(seed * 1_000_003 + index);
          long[] ids = new long[rows * length];
          for (int row = 0; row < rows; row++) {
            long start = r.nextInt((int) vocab);
            long stride = 1 + r.nextInt(3);
            for (int t = 0; t < length; t++) {
              ids[row * length + t] = (start + stride * t) % vocab;
            }
          }
          return new Batch(Tensor.create(ids, rows, length));
        });
  }
}
