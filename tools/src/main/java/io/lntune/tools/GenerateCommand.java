package io.lntune.tools;

import io.lntune.models.llama.Generator;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llama.StopStrings;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.eval.LlavaAnswerer;
import io.lntune.training.export.Adapters;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune generate}: continue text prompts with a LLaMA-family model, or, with {@code
 * --image}, answer questions about pictures with a LLaVA model in its conversation template.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Continue one or more text prompts with a LLaMA-family model (greedy, or sampling with a seed). "
          + "Several --prompt options run as one left-padded batch with a KV cache.",
      "With --image, --model is a LLaVA directory and each prompt is a question about the image (one image for "
          + "every prompt, or one per prompt), asked in the conversation template; the replies are printed one a line."
    })
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "DIR|ID",
      description =
          "Hugging Face model directory (config.json, safetensors or .bin weights, tokenizer.model), or a "
              + "LLaVA one; or a model id in the Hugging Face cache.")
  Path model;

  @Option(
      names = "--tokenizer",
      converter = ModelPathConverter.class,
      paramLabel = "FILE|DIR|ID",
      description = "Tokenizer (default: the model directory).")
  Path tokenizer;

  @Option(
      names = "--prompt",
      required = true,
      paramLabel = "TEXT",
      description = "A prompt; repeat for a batch.")
  List<String> prompts;

  @Option(
      names = "--image",
      paramLabel = "FILE",
      description = "A picture the prompts ask about (LLaVA).")
  List<Path> images;

  @Option(
      names = "--stop",
      paramLabel = "TEXT",
      description =
          "Text prompts: end a continuation at this text "
              + "(cut before it); repeat for several. (With --image the template's own stop string applies.)")
  List<String> stops = List.of();

  @Mixin SamplingOptions sampling;

  @Mixin LlavaOptions llava;

  @Mixin PlacementOptions placementOptions;

  @Override
  public Integer call() {
    Tokenizer tok = LlavaOptions.tokenizer(tokenizer, model);
    PrintWriter out = spec.commandLine().getOut();
    if (images != null) {
      if (images.size() != 1 && images.size() != prompts.size()) {
        throw new IllegalArgumentException(
            "give one --image for every prompt, or one for all: got "
                + images.size()
                + " images and "
                + prompts.size()
                + " prompts");
      }
      try (LlavaModel m = llava.load(model, placementOptions)) {
        List<LlavaAnswerer.Question> qs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          qs.add(
              LlavaAnswerer.Question.about(images.get(images.size() == 1 ? 0 : i), prompts.get(i)));
        }
        new LlavaAnswerer(m, tok, llava.conversationTemplate(), sampling.config())
            .answer(qs)
            .forEach(out::println);
      }
      return 0;
    }
    try (LlamaModel llama = LlamaModel.load(model, placementOptions.placement())) {
      if (llava.adapter != null) {
        Adapters.apply(llama, llama.blockLinears(), llava.adapter);
      }
      List<long[]> ids =
          prompts.stream()
              .map(p -> Arrays.stream(tok.encodeForModel(p)).asLongStream().toArray())
              .toList();
      StopStrings stop = new StopStrings(tok, stops);
      List<Generator.Output> outputs = Generator.generate(llama, ids, sampling.config(), stop);
      for (int i = 0; i < outputs.size(); i++) {
        out.println(stop.textAfter(ids.get(i), outputs.get(i).tokens()));
      }
    }
    return 0;
  }
}
