package io.lntune.tools.bench;

import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.KvCache;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.load.KeyMap;
import io.lntune.models.nn.Modules;
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
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The measurements of {@code lntune bench} that need no training: matrix products, loading, decoding. */
final class MachineProbes {
  private MachineProbes() {}

  /**
   * @param m rows (tokens)
   * @param k inner dimension
   * @param n output features
   * @param flops achieved FLOP/s (2mkn per product), the median of the timed repetitions
   */
  record Gemm(long m, long k, long n, double flops) {}

  /**
   * @param fileBytes the checkpoint's size
   * @param readMillis reading the whole file from the page cache into a buffer (the second of two reads)
   * @param loadMillis building the model and loading the checkpoint into it (memory-mapped where the dtype matches)
   * @param loadAndTouchMillis loading, then reading every parameter once (faulting mapped pages in)
   */
  record Checkpoint(long fileBytes, double readMillis, double loadMillis, double loadAndTouchMillis) {}

  /**
   * @param context tokens already in the KV cache
   * @param tokenMillis median time to decode one more token (embedding, every layer with the cache, the head)
   */
  record Decode(long context, double tokenMillis) {}

  /** {@return the FLOP/s of {@code linear} on [m, k] x [n, k]^T in the model's dtype and device, as the MLP runs it} */
  static Gemm gemm(LlamaModel model, long m) {
    LlamaConfig c = model.config();
    long k = c.hiddenSize();
    long n = c.intermediateSize();
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      TensorOptions options = new TensorOptions(model.placement().device().toTorch())
          .dtype(new org.bytedeco.pytorch.ScalarTypeOptional(model.placement().dtype().scalarType()));
      Tensor x = randn(new long[] {m, k}, options);
      Tensor w = randn(new long[] {n, k}, options);
      List<Double> seconds = new ArrayList<>();
      for (int rep = 0; rep < 13; rep++) {
        long start = System.nanoTime();
        linear(x, w, new TensorOptional()).select(0, 0).select(0, 0).item_double(); // item() waits for CUDA too
        if (rep >= 3) {
          seconds.add((System.nanoTime() - start) / 1e9);
        }
      }
      return new Gemm(m, k, n, 2.0 * m * k * n / median(seconds));
    }
  }

  /** Writes {@code model}'s weights to {@code dir}, then times reading the file against loading it. */
  static Checkpoint checkpoint(LlamaModel model, Path dir) throws IOException {
    Path file = dir.resolve("model.safetensors");
    SafetensorsWriter.write(file, Modules.namedParameters(model));
    long bytes = Files.size(file);
    double read = 0;
    for (int pass = 0; pass < 2; pass++) { // the first pass brings the file into the page cache
      read = readMillis(file);
    }
    long start = System.nanoTime();
    LlamaModel loaded = new LlamaModel(model.config(), model.placement());
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(file)) {
      loaded.load(ckpt, KeyMap.identity());
    }
    double load = (System.nanoTime() - start) / 1e6;
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      double sum = 0;
      for (Tensor p : Modules.namedParameters(loaded).values()) {
        sum += p.sum().item_double();
      }
      if (Double.isNaN(sum)) {
        throw new IllegalStateException("the loaded checkpoint " + file + " holds NaN");
      }
    }
    double touched = (System.nanoTime() - start) / 1e6;
    loaded.close();
    return new Checkpoint(bytes, read, load, touched);
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

  /** {@return the per-token decoding time after a prompt of {@code context} tokens, over {@code tokens} tokens} */
  static Decode decode(LlamaModel model, long context, int tokens) {
    model.eval();
    try (NoGradGuard g = new NoGradGuard(); KvCache cache = model.newCache(1, context + tokens + 1)) {
      TensorOptions longs = new TensorOptions(ScalarType.Long);
      Tensor next;
      try (TensorScope scope = TensorScope.open()) {
        Tensor prompt = randint(model.config().vocabSize(), new long[] {1, context}, longs)
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
    Tensor hidden = model.hiddenStates(model.embed(ids), null, cache);                  // [1, t, D]
    Tensor last = hidden.narrow(1, hidden.size(1) - 1, 1);                             // [1, 1, D]
    return model.logits(last).argmax(new org.bytedeco.pytorch.LongOptional(-1), false); // [1, 1]
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
