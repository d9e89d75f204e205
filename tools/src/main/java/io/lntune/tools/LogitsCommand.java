package io.lntune.tools;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune logits}: every position's logits and last hidden state, for comparing against other
 * ports.
 */
@Command(
    name = "logits",
    mixinStandardHelpOptions = true,
    description =
        "Run a LLaMA-family model on token ids and write logits [1, T, vocab] and last_hidden_state "
            + "[1, T, hidden] (after the final norm) for every position to a safetensors file.")
final class LogitsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "DIR|ID",
      description =
          "Hugging Face model directory (config.json + safetensors or .bin weights), or model id in the "
              + "Hugging Face cache.")
  Path model;

  @Option(
      names = "--ids",
      required = true,
      split = ",",
      paramLabel = "ID",
      description = "Comma-separated token ids, e.g. 1,15043,3186.")
  List<Long> ids;

  @Mixin PlacementOptions placementOptions;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "The safetensors file to write.")
  Path out;

  @Override
  public Integer call() {
    Placement placement = placementOptions.placement();
    LlamaModel llama = LlamaModel.load(model, placement);
    long vocab = llama.config().vocabSize();
    for (long id : ids) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(
            "--ids: token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor input =
          Tensor.create(ids.stream().mapToLong(Long::longValue).toArray(), 1, ids.size())
              .to(placement.device().toTorch(), DType.I64.scalarType());
      Tensor hidden = llama.hiddenStates(llama.embed(input));
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      tensors.put("logits", llama.logits(hidden));
      tensors.put("last_hidden_state", hidden);
      SafetensorsWriter.write(
          out,
          tensors,
          Map.of(
              "model",
              model.toAbsolutePath().toString(),
              "dtype",
              placement.dtype().safetensorsName()));
    } finally {
      llama.close();
    }
    spec.commandLine()
        .getOut()
        .printf(
            "wrote logits [1, %d, %d] and last_hidden_state [1, %d, %d] to %s%n",
            ids.size(), vocab, ids.size(), llama.config().hiddenSize(), out);
    return 0;
  }
}
