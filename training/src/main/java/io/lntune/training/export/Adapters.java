package io.lntune.training.export;

import io.lntune.models.nn.Linear;
import io.lntune.torch.LntuneException;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;

/**
 * Puts a training run's result on top of its base model, the inverse of the exports: a PEFT adapter
 * directory ({@code adapter_config.json}: LN_TUNING tensors are copied in, LORA adapters are loaded
 * and merged into their weights), a trainable delta ({@code *.safetensors}: copied in), or a run
 * directory of {@code lntune train} holding either ({@code adapter/} first, then {@code
 * trainable.safetensors}).
 *
 * <pre>{@code
 * LlavaModel model = LlavaModel.load(base, Placement.cpu(DType.F32));
 * Adapters.apply(model, model.languageModel().blockLinears(), Path.of("runs/ln-01"));
 * }</pre>
 */
public final class Adapters {
  private Adapters() {}

  /**
   * Applies the adapter or delta at {@code path} to {@code model}.
   *
   * @param linears the model's block linear layers by name (LoRA adapters attach to them, then
   *     merge)
   * @return what was applied: the adapter directory or the delta file
   * @throws LntuneException if {@code path} holds neither, or its tensors do not fit the model
   */
  public static Path apply(Module model, Map<String, Linear> linears, Path path) {
    Path found = locate(path);
    if (found.getFileName().toString().endsWith(".safetensors")) {
      TrainableDelta.apply(model, found);
      return found;
    }
    LoraConfig lora = PeftAdapter.load(model, found, linears);
    if (lora != null) {
      Map<String, Linear> adapted = new LinkedHashMap<>();
      linears.forEach(
          (name, l) -> {
            if (l.hasAdapter()) {
              adapted.put(name, l);
            }
          });
      Lora.merge(adapted, lora);
    }
    return found;
  }

  private static Path locate(Path path) {
    if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".safetensors")) {
      return path;
    }
    for (Path candidate : new Path[] {path, path.resolve("adapter")}) {
      if (Files.isRegularFile(candidate.resolve(PeftAdapter.CONFIG))) {
        return candidate;
      }
    }
    if (Files.isRegularFile(path.resolve("trainable.safetensors"))) {
      return path.resolve("trainable.safetensors");
    }
    throw new LntuneException(
        path
            + ": no adapter here: expected a PEFT adapter directory ("
            + PeftAdapter.CONFIG
            + "), a .safetensors delta, or a run directory holding adapter/ or trainable.safetensors");
  }
}
