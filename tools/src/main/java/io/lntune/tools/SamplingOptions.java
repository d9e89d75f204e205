package io.lntune.tools;

import io.lntune.models.llama.GenerationConfig;
import picocli.CommandLine.Option;

/** How the commands that generate pick tokens: {@code --max-new-tokens} and the sampling flags (a picocli mixin). */
final class SamplingOptions {
  @Option(names = "--max-new-tokens", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 is greedy. Default: ${DEFAULT-VALUE}.")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "0 keeps every token. Default: ${DEFAULT-VALUE}.")
  int topK;

  @Option(names = "--top-p", defaultValue = "1", description = "1 keeps every token. Default: ${DEFAULT-VALUE}.")
  double topP;

  @Option(names = "--seed", defaultValue = "0", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  /** {@return greedy decoding, or sampling when the temperature is above 0} */
  GenerationConfig config() {
    GenerationConfig config = GenerationConfig.greedy(maxNewTokens);
    return temperature > 0 ? config.withSampling(temperature, topK, topP, seed) : config;
  }
}
