package io.lntune.models.llama;

import io.lntune.torch.DType;
import java.util.List;
import java.util.Optional;

/**
 * Named decoder shapes. The published ones repeat their Hugging Face {@code config.json}; Vicuna
 * v1.5 is LLaMA-2 finetuned, so it shares LLaMA-2's shape and adds a padding id.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfigs.byName("vicuna-7b-v1.5");
 * }</pre>
 */
public final class LlamaConfigs {
  private LlamaConfigs() {}

  /** meta-llama/Llama-2-7b-hf. */
  public static LlamaConfig llama2_7b() {
    return published(4096, 11008, 32, 32, -1);
  }

  /** meta-llama/Llama-2-13b-hf. */
  public static LlamaConfig llama2_13b() {
    return published(5120, 13824, 40, 40, -1);
  }

  /** lmsys/vicuna-7b-v1.5. */
  public static LlamaConfig vicuna7bV15() {
    return published(4096, 11008, 32, 32, 0);
  }

  /** lmsys/vicuna-13b-v1.5. */
  public static LlamaConfig vicuna13bV15() {
    return published(5120, 13824, 40, 40, 0);
  }

  /**
   * A two-layer decoder for tests: width 64, 4 query heads, 2 key/value heads, 256-token
   * vocabulary.
   */
  public static LlamaConfig tiny() {
    return new LlamaConfig(
        64,
        128,
        2,
        4,
        2,
        1e-5,
        10000.0,
        1.0,
        256,
        256,
        false,
        1,
        List.of(2L),
        0,
        Optional.of(DType.F32));
  }

  /**
   * {@return the preset called {@code name}: llama2-7b, llama2-13b, vicuna-7b-v1.5, vicuna-13b-v1.5
   * or tiny}
   *
   * @throws IllegalArgumentException listing the names for an unknown one
   */
  public static LlamaConfig byName(String name) {
    switch (name) {
      case "llama2-7b":
        return llama2_7b();
      case "llama2-13b":
        return llama2_13b();
      case "vicuna-7b-v1.5":
        return vicuna7bV15();
      case "vicuna-13b-v1.5":
        return vicuna13bV15();
      case "tiny":
        return tiny();
      default:
        throw new IllegalArgumentException(
            "unknown LLaMA preset '"
                + name
                + "': expected llama2-7b, llama2-13b, vicuna-7b-v1.5, vicuna-13b-v1.5 or tiny");
    }
  }

  private static LlamaConfig published(
      long hidden, long intermediate, int layers, int heads, long pad) {
    return new LlamaConfig(
        hidden,
        intermediate,
        layers,
        heads,
        heads,
        1e-5,
        10000.0,
        1.0,
        32000,
        4096,
        false,
        1,
        List.of(2L),
        pad,
        Optional.of(DType.F16));
  }
}
