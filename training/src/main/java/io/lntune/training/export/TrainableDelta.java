package io.lntune.training.export;

import io.lntune.models.nn.Modules;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.torch.safetensors.SafetensorsWriter;
import io.lntune.training.strategy.Selection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The trained tensors alone, under the model's own parameter names, in one safetensors file:
 * kilobytes to megabytes for the norms, the smallest way to keep or share a run. Applying it to the
 * same base model reproduces the trained model (attach LoRA adapters first when the run had them).
 *
 * <pre>{@code
 * TrainableDelta.write(Path.of("out/delta.safetensors"), ExportTensors.of(model, trainables), selection, Map.of());
 * TrainableDelta.apply(freshBase, Path.of("out/delta.safetensors"));
 * }</pre>
 */
public final class TrainableDelta {
  private TrainableDelta() {}

  /**
   * Writes every parameter {@code selection} trains (its fp32 master, or in the dtype {@code
   * tensors} asks for), with {@code metadata} in the safetensors header.
   */
  public static void write(
      Path file, ExportTensors tensors, Selection selection, Map<String, String> metadata) {
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put("format", "lntune-delta");
    try (TensorScope scope = TensorScope.open()) {
      SafetensorsWriter.write(file, tensors.tensors(selection::trains), meta);
    }
  }

  /**
   * Copies every tensor of the delta into the parameter of the same name.
   *
   * @return the number of tensors applied
   * @throws LntuneException naming the file and every tensor without a parameter of its name and
   *     shape
   */
  public static int apply(Module model, Path file) {
    Map<String, Tensor> params = Modules.namedParameters(model);
    List<String> problems = new ArrayList<>();
    int applied = 0;
    try (SafetensorsFile f = SafetensorsFile.open(file);
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (var info : f.tensors()) {
        Tensor p = params.get(info.name());
        if (p == null || !Arrays.equals(p.sizes().vec().get(), info.shape())) {
          problems.add(
              info.name()
                  + (p == null ? " (the model has no such parameter)" : " (shape differs)"));
          continue;
        }
        p.copy_(f.tensor(info.name()));
        applied++;
      }
    }
    if (!problems.isEmpty()) {
      throw new LntuneException(file + " does not fit the model: " + String.join(", ", problems));
    }
    return applied;
  }
}
