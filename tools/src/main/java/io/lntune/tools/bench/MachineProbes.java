package io.lntune.tools.bench;

import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.KvCache;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The measurements of {@code lntune bench} that need no training: matrix products, loading,
 * decoding.
 */
final class MachineProbes {
  private MachineProbes() {}

  /**
   * @param m rows (tokens)
   * @param k inner dimension
   * @param n output features
   * @param flops achieved FLOP/s (2mkn per product): a probe's fastest product, or the median of
   *     several probes' ({@link #medianGemm})
   */
  record Gemm(long m, long k, long n, double flops) {}

  /** {@return probes of one shape as one: their median FLOP/s} */
  static Gemm medianGemm(List<Gemm> probes) {
    Gemm first = probes.get(0);
    return new Gemm(
        first.m(), first.k(), first.n(), median(probes.stream().map(Gemm::flops).toList()));
  }

  /**
   * Loading a checkpoint against reading its file. Each load builds a model and loads the file into
   * it; loads after the first run on warm code, as the read does (the second of two reads).
   *
   * @param fileBytes the checkpoint's size
   * @param tensors the tensors in it
   * @param readMillis reading the whole file from the page cache into a buffer (the second of two
   *     reads)
   * @param loadMillis building the model and loading the checkpoint into it (memory-mapped where
   *     the dtype matches), the median of the loads after the first
   * @param loadAndTouchMillis loading, then reading every parameter once (faulting mapped pages
   *     in), the median of the loads after the first
   * @param firstLoadAndTouchMillis the same for the first load in this JVM, which also pays for
   *     loading and compiling the loader's code
   */
  record Checkpoint(
      long fileBytes,
      int tensors,
      double readMillis,
      double loadMillis,
      double loadAndTouchMillis,
      double firstLoadAndTouchMillis) {}

  /**
   * @param context tokens already in the KV cache
   * @param tokenMillis median time to decode one more token (embedding, every layer with the cache,
   *     the head)
   */
  record Decode(long context, double tokenMillis) {}

  /**
   * {@return the FLOP/s of {@code linear} on [m, k] x [n, k]^T in {@code placement}, k and n the
   * config's hidden and intermediate sizes, as the MLP runs it: the fastest of 40 products after 10
   * that warm it up} The fastest, not the median: the probe stands for what the machine can do, and
   * in the bench's JVM it runs while the JIT compilers and the garbage collector still share the
   * cores (a median of 10 measured 276 GFLOP/s there where the same product's best was 740).
   */
  static Gemm gemm(LlamaConfig c, Placement placement, long m) {
    long k = c.hiddenSize();
    long n = c.intermediateSize();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      TensorOptions options =
          new TensorOptions(placement.device().toTorch())
              .dtype(new ScalarTypeOptional(placement.dtype().scalarType()));
      Tensor x = randn(new long[] {m, k}, options);
      Tensor w = randn(new long[] {n, k}, options);
      List<Double> seconds = new ArrayList<>();
      for (int rep = 0; rep < 50; rep++) {
        long start = System.nanoTime();
        try (TensorScope product = TensorScope.open()) {
          linear(x, w, new TensorOptional())
              .select(0, 0)
              .select(0, 0)
              .item_double(); // item() waits for CUDA too
        }
        if (rep >= 10) {
          seconds.add((System.nanoTime() - start) / 1e9);
        }
      }
      return new Gemm(m, k, n, 2.0 * m * k * n / Collections.min(seconds));
    }
  }

  /**
   * {@return a decoder shaped as {@code like}, with as many layers as bring its {@code dtype}
   * weights nearest to {@code bytes} (at least one)}
   */
  static LlamaConfig sizedFor(LlamaConfig like, DType dtype, long bytes) {
    long d = like.hiddenSize();
    long kv = like.numKeyValueHeads() * like.headDim();
    long layer = 2 * d * d + 2 * d * kv + 3 * d * like.intermediateSize() + 2 * d;
    long rest = like.vocabSize() * d * (like.tieWordEmbeddings() ? 1 : 2) + d;
    long layers = Math.max(1, Math.round((double) (bytes / dtype.byteSize() - rest) / layer));
    return like.withNumHiddenLayers((int) Math.min(layers, Integer.MAX_VALUE));
  }

  /**
   * Writes the random weights of a decoder of {@code config} to {@code dir}, then times reading the
   * file against {@code loads} loads of it into fresh models.
   */
  static Checkpoint checkpoint(LlamaConfig config, Placement placement, Path dir, int loads)
      throws IOException {
    Path file = dir.resolve("model.safetensors");
    LlamaModel source = new LlamaModel(config, placement);
    Init.normal(source, 0.02, 1);
    Map<String, Tensor> weights = Modules.namedParameters(source);
    SafetensorsWriter.write(file, weights);
    source.close();
    long bytes = Files.size(file);
    double read = 0;
    for (int pass = 0; pass < 2; pass++) { // the first pass brings the file into the page cache
      read = readMillis(file);
    }
    double first = 0;
    List<Double> load = new ArrayList<>();
    List<Double> touched = new ArrayList<>();
    for (int i = 0; i < loads; i++) {
      long start = System.nanoTime();
      LlamaModel loaded;
      try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(file)) {
        loaded = LlamaModel.load(config, ckpt, placement);
      }
      double loadMillis = (System.nanoTime() - start) / 1e6;
      touchEveryWeight(loaded, file);
      double touchedMillis = (System.nanoTime() - start) / 1e6;
      loaded.close();
      if (i == 0) {
        first = touchedMillis;
      }
      if (i > 0 || loads == 1) {
        load.add(loadMillis);
        touched.add(touchedMillis);
      }
    }
    return new Checkpoint(bytes, weights.size(), read, median(load), median(touched), first);
  }

  private static void touchEveryWeight(LlamaModel loaded, Path file) {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      double sum = 0;
      for (Tensor p : Modules.namedParameters(loaded).values()) {
        sum += p.sum().item_double();
      }
      if (Double.isNaN(sum)) {
        throw new IllegalStateException("the loaded checkpoint " + file + " holds NaN");
      }
    }
  }

  private static double readMillis(Path file) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 20);
    long start = System.nanoTime();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (ch.read(buffer) >= 0) {
        buffer.clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
    return (System.nanoTime() - start) / 1e6;
  }

  /**
   * {@return the per-token decoding time after a prompt of {@code context} tokens, over {@code
   * tokens} tokens}
   */
  static Decode decode(LlamaModel model, long context, int tokens) {
    model.eval();
    try (NoGradGuard g = new NoGradGuard();
        KvCache cache = model.newCache(1, context + tokens + 1)) {
      TensorOptions longs = new TensorOptions(ScalarType.Long);
      Tensor next;
      try (TensorScope scope = TensorScope.open()) {
        Tensor prompt =
            randint(model.config().vocabSize(), new long[] {1, context}, longs)
                .to(model.placement().device().toTorch(), ScalarType.Long);
        next = scope.keep(argmaxLast(model, prompt, cache));
      }
      List<Double> millis = new ArrayList<>();
      for (int i = 0; i < tokens; i++) {
        try (TensorScope scope = TensorScope.open()) {
          long start = System.nanoTime();
          Tensor produced = argmaxLast(model, next, cache);
          produced.select(0, 0).item_long(); // waits for the device, as a sampler would
          millis.add((System.nanoTime() - start) / 1e6);
          next.close();
          next = scope.keep(produced);
        }
      }
      next.close();
      return new Decode(context, median(millis));
    }
  }

  /** {@return the greedy next token [1, 1] after {@code ids} [1, t], extending the cache} */
  private static Tensor argmaxLast(LlamaModel model, Tensor ids, KvCache cache) {
    Tensor hidden = model.hiddenStates(model.embed(ids), cache); // [1, t, D]
    Tensor last = hidden.narrow(1, hidden.size(1) - 1, 1); // [1, 1, D]
    return model.logits(last).argmax(new LongOptional(-1), false); // [1, 1]
  }

  /** {@return the median of {@code values}, NaN when there are none} */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
