package io.lntune.models.llama;

/**
 * How to pick new tokens. Temperature 0 is greedy (argmax); above 0 tokens are sampled from the
 * softmax of {@code logits / temperature}, restricted to the {@code topK} most likely (0 = all) and
 * to the smallest set whose probability reaches {@code topP} (1 = all), with a seeded generator.
 *
 * <pre>{@code
 * GenerationConfig greedy = GenerationConfig.greedy(64);
 * GenerationConfig sampled = GenerationConfig.greedy(64).withSampling(0.7, 50, 0.9, 42);
 * }</pre>
 *
 * @param maxNewTokens the most tokens to generate per sequence
 * @param temperature 0 for greedy, otherwise the softmax temperature
 * @param topK keep only the k most likely tokens when sampling; 0 keeps all
 * @param topP keep the smallest set of tokens whose probability reaches p when sampling; 1 keeps
 *     all
 * @param seed seeds sampling, so that a run repeats
 * @param stopOnEos whether a sequence ends at the model's end-of-sequence token
 */
public record GenerationConfig(
    int maxNewTokens, double temperature, int topK, double topP, long seed, boolean stopOnEos) {

  public GenerationConfig {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be >= 0 (0 = greedy), got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 (0 = all tokens), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
  }

  /** {@return greedy decoding of up to {@code maxNewTokens}, stopping at end of sequence} */
  public static GenerationConfig greedy(int maxNewTokens) {
    return new GenerationConfig(maxNewTokens, 0.0, 0, 1.0, 0L, true);
  }

  /** {@return this configuration, sampling instead of greedy} */
  public GenerationConfig withSampling(double temperature, int topK, double topP, long seed) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, stopOnEos);
  }

  /**
   * {@return this configuration, ignoring end-of-sequence tokens (always generating maxNewTokens)}
   */
  public GenerationConfig ignoringEos() {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, false);
  }

  public boolean greedy() {
    return temperature == 0;
  }
}
