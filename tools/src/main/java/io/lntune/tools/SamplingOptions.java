package io.lntune.tools;

import io.lntune.models.llama.GenerationConfig;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How the commands that generate pick tokens: {@code --max-new-tokens} and the sampling flags (a
 * picocli mixin).
 */
final class SamplingOptions {
  @Option(
      names = "--max-new-tokens",
      defaultValue = "64",
      description = "Default: ${DEFAULT-VALUE}.")
  int maxNewTokens;

  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 is greedy. Default: ${DEFAULT-VALUE}.")
  double temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description = "0 keeps every token. Default: ${DEFAULT-VALUE}.")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1",
      description = "1 keeps every token. Default: ${DEFAULT-VALUE}.")
  double topP;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  /**
   * The generation setting behind each option, as {@link GenerationConfig}'s messages name them.
   */
  private static final Map<String, String> OPTIONS =
      Map.of(
          "maxNewTokens",
          "--max-new-tokens",
          "temperature",
          "--temperature",
          "topK",
          "--top-k",
          "topP",
          "--top-p");

  /**
   * {@return greedy decoding, or sampling when the temperature is above 0}
   *
   * @throws IllegalArgumentException naming the option whose value is out of range
   */
  GenerationConfig config() {
    try {
      GenerationConfig checked =
          new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, true);
      return checked.greedy() ? GenerationConfig.greedy(maxNewTokens) : checked;
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      String setting = message.substring(0, Math.max(0, message.indexOf(' ')));
      throw new IllegalArgumentException(
          OPTIONS.getOrDefault(setting, setting) + message.substring(setting.length()), e);
    }
  }
}
