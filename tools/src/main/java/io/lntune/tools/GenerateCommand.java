package io.lntune.tools;

import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llama.Generator;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lntune generate}: continue text prompts with a LLaMA-family model. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Continue one or more text prompts with a LLaMA-family model (greedy, or sampling with a seed). "
        + "Several --prompt options run as one left-padded batch.")
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "Hugging Face model directory (config.json, safetensors, tokenizer.model).")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "FILE|DIR", description = "Tokenizer (default: the model directory).")
  Path tokenizer;

  @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "A prompt; repeat for a batch.")
  List<String> prompts;

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

  @Mixin PlacementOptions placementOptions;

  @Override
  public Integer call() {
    Tokenizer tok = Tokenizer.load(tokenizer != null ? tokenizer : model);
    LlamaModel llama = LlamaModel.load(model, placementOptions.placement());
    try {
      List<long[]> ids = prompts.stream()
          .map(p -> Arrays.stream(tok.encodeForModel(p)).asLongStream().toArray()).toList();
      GenerationConfig config = GenerationConfig.greedy(maxNewTokens);
      if (temperature > 0) {
        config = config.withSampling(temperature, topK, topP, seed);
      }
      List<Generator.Output> outputs = Generator.generate(llama, ids, config);
      PrintWriter out = spec.commandLine().getOut();
      for (int i = 0; i < outputs.size(); i++) {
        int[] tokens = Arrays.stream(outputs.get(i).tokens()).mapToInt(Math::toIntExact).toArray();
        out.println(prompts.get(i) + tok.decode(tokens));
      }
    } finally {
      llama.close();
    }
    return 0;
  }
}
