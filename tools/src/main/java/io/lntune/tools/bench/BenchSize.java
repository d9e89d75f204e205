package io.lntune.tools.bench;

import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.torch.DType;
import java.util.List;
import java.util.Optional;

/**
 * The model shapes {@code lntune bench} measures, each with its sequence length and batch. The CPU
 * sizes are LLaMA-shaped decoders with an 8192-token vocabulary, so that the decoder layers (not
 * the head) dominate the step as they do in a 7B model; {@code llava7b} is Vicuna-7B,
 * LLaVA-1.5-7B's language model, and needs CUDA.
 */
enum BenchSize {
  /** LlamaConfigs.tiny(): 2 layers of width 64; for tests. */
  TINY(64, 2, false, 4L << 20),
  /** About 100M parameters: 12 layers of width 768. */
  SMALL(512, 1, false, 1L << 30),
  /** About 350M parameters: 24 layers of width 1024. */
  MEDIUM(512, 1, false, 1L << 30),
  /** Vicuna-7B (LLaVA-1.5-7B's decoder), 2048 tokens as in LLaVA's instruction tuning. */
  LLAVA7B(2048, 1, true, 1L << 30);

  private static final long VOCAB = 8192;

  final long sequence;
  final long batch;
  final boolean needsCuda;

  /**
   * The size of the checkpoint the loading probe writes: the target is stated for a 1 GiB file,
   * which the probe's decoder (this size's shape, with as many layers as it takes) approaches.
   */
  final long checkpointBytes;

  BenchSize(long sequence, long batch, boolean needsCuda, long checkpointBytes) {
    this.sequence = sequence;
    this.batch = batch;
    this.needsCuda = needsCuda;
    this.checkpointBytes = checkpointBytes;
  }

  LlamaConfig config() {
    switch (this) {
      case TINY:
        return LlamaConfigs.tiny();
      case SMALL:
        return decoder(768, 2048, 12, 12);
      case MEDIUM:
        return decoder(1024, 3072, 24, 16);
      default:
        return LlamaConfigs.vicuna7bV15();
    }
  }

  private static LlamaConfig decoder(long hidden, long intermediate, int layers, int heads) {
    return new LlamaConfig(
        hidden,
        intermediate,
        layers,
        heads,
        heads,
        1e-5,
        10000.0,
        1.0,
        VOCAB,
        4096,
        false,
        1,
        List.of(2L),
        0,
        Optional.of(DType.BF16));
  }

  /** {@return the size called {@code name}, case-insensitively} */
  static BenchSize parse(String name) {
    for (BenchSize s : values()) {
      if (s.name().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown bench size '" + name + "': expected tiny, small, medium or llava7b");
  }
}
