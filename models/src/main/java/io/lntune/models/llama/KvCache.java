package io.lntune.models.llama;

import io.lntune.models.nn.Placement;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Keys and values of the tokens seen so far, per layer, for incremental decoding. Storage for
 * {@code capacity} tokens is allocated once, so each new token costs a copy of its own keys and
 * values, not of the whole history. Inference only (under {@code NoGradGuard}). Create it outside
 * any {@code TensorScope}; close it when done.
 *
 * <pre>{@code
 * try (KvCache cache = model.newCache(batch, promptLength + maxNewTokens)) {
 *   Tensor logits = model.logits(model.hiddenStates(model.embed(prompt), mask, cache));
 *   ...
 * }
 * }</pre>
 */
public final class KvCache implements AutoCloseable {
  private final List<Layer> layers = new ArrayList<>();
  private final long capacity;
  private long length;

  KvCache(LlamaConfig config, long batch, long capacity, Placement placement) {
    if (batch < 1 || capacity < 1) {
      throw new IllegalArgumentException(
          "KV cache needs batch >= 1 and capacity >= 1, got " + batch + ", " + capacity);
    }
    this.capacity = capacity;
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(
          new Layer(
              placement.empty(batch, config.numKeyValueHeads(), capacity, config.headDim()),
              placement.empty(batch, config.numKeyValueHeads(), capacity, config.headDim())));
    }
  }

  /** {@return tokens cached so far} */
  public long length() {
    return length;
  }

  public long capacity() {
    return capacity;
  }

  Layer layer(int i) {
    return layers.get(i);
  }

  /** Checks that {@code t} more tokens fit. */
  void reserve(long t) {
    if (length + t > capacity) {
      throw new IllegalStateException(
          "KV cache holds "
              + length
              + " tokens and cannot take "
              + t
              + " more (capacity "
              + capacity
              + ")");
    }
  }

  /** Marks the {@code t} tokens just written by every layer as cached. */
  void advance(long t) {
    length += t;
  }

  /** One layer's storage: [B, kvHeads, capacity, headDim] for keys and for values. */
  final class Layer {
    private final Tensor keys;
    private final Tensor values;

    private Layer(Tensor keys, Tensor values) {
      this.keys = keys;
      this.values = values;
    }

    /** Appends {@code k} [B, Hkv, T, hd]; {@return all keys so far} [B, Hkv, past+T, hd] */
    Tensor keys(Tensor k) {
      return append(keys, k);
    }

    /** Appends {@code v}; {@return all values so far} */
    Tensor values(Tensor v) {
      return append(values, v);
    }

    private Tensor append(Tensor store, Tensor x) {
      long t = x.size(2);
      store.narrow(2, length, t).copy_(x);
      return store.narrow(2, 0, length + t);
    }
  }

  @Override
  public void close() {
    for (Layer l : layers) {
      l.keys.close();
      l.values.close();
    }
    layers.clear();
  }
}
