package io.lntune.training.export;

import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Linear;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.checkpoint.AtomicDirectory;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.ParameterNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The trained model as a complete checkpoint that Python loads without lntune: LoRA adapters folded
 * into their weights, safetensors shards ({@code model-0000i-of-0000n.safetensors} with {@code
 * model.safetensors.index.json}, or one {@code model.safetensors}), {@code config.json}, {@code
 * preprocessor_config.json} and the tokenizer files, in one of two layouts ({@link MergedLayout}):
 * the original LLaVA repository's, for its {@code load_pretrained_model}, or llava-hf's, for
 * transformers' {@code LlavaForConditionalGeneration}. Both load with {@link LlavaModel#load}.
 * Trained tensors are written from their fp32 masters unless {@link ExportTensors} asks for a
 * dtype. The directory appears complete or not at all.
 *
 * <pre>{@code
 * ExportTensors tensors = ExportTensors.of(model, trainables);
 * MergedCheckpoint.write(Path.of("out/llava-merged"), model, tensors, MergedLayout.ORIGINAL, baseDir);
 * }</pre>
 */
public final class MergedCheckpoint {
  /** The largest shard, as transformers' {@code max_shard_size} default. */
  static final long MAX_SHARD_BYTES = 5L << 30;

  private MergedCheckpoint() {}

  /**
   * Writes {@code model} merged, in {@code layout}, to {@code target}.
   *
   * @param target the checkpoint's folder; replaced whole, or left as it was if writing fails
   * @param model the model, its LoRA adapters (if any) still attached
   * @param tensors what to write for each parameter of {@code model}; with adapters attached,
   *     {@link ExportTensors#withLora with their configuration}
   * @param layout the checkpoint's layout
   * @param tokenizerDir the base model's directory (or {@code tokenizer.model}) to copy the
   *     tokenizer files from
   * @throws IllegalArgumentException for what {@code layout} cannot express (see {@link
   *     MergedLayout#LLAVA_HF}), or adapters without their configuration
   * @throws UncheckedIOException if the checkpoint cannot be written
   */
  public static void write(
      Path target,
      LlavaModel model,
      ExportTensors tensors,
      MergedLayout layout,
      Path tokenizerDir) {
    write(target, model, tensors, layout, Optional.of(tokenizerDir));
  }

  /**
   * Writes {@code model} merged, in {@code layout}, to {@code target}, without tokenizer files (a
   * warning says so: Python's loaders then need them added).
   *
   * @param target the checkpoint's folder; replaced whole, or left as it was if writing fails
   * @param model the model, its LoRA adapters (if any) still attached
   * @param tensors what to write for each parameter of {@code model}
   * @param layout the checkpoint's layout
   * @throws IllegalArgumentException as {@link #write(Path, LlavaModel, ExportTensors,
   *     MergedLayout, Path)} does
   * @throws UncheckedIOException if the checkpoint cannot be written
   */
  public static void write(
      Path target, LlavaModel model, ExportTensors tensors, MergedLayout layout) {
    write(target, model, tensors, layout, Optional.empty());
  }

  private static void write(
      Path target,
      LlavaModel model,
      ExportTensors tensors,
      MergedLayout layout,
      Optional<Path> tokenizerDir) {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Map<String, Tensor> merged = mergedWeights(model, tensors);
      DType bulk = tensors.dtype().orElse(model.placement().dtype());
      LlavaConfig config = model.config().withText(model.config().text().withTorchDtype(bulk));
      boolean towerChanged =
          merged.keySet().stream()
              .anyMatch(n -> ParameterNames.VISION.test(n) && tensors.changed(n));
      Path dir = AtomicDirectory.begin(target);
      try {
        Map<String, Long> addedTokens =
            layout == MergedLayout.ORIGINAL
                ? OriginalLayout.write(dir, target, config, merged, towerChanged)
                : LlavaHfLayout.write(dir, config, merged);
        ExportedTokenizer.copy(tokenizerDir, dir, addedTokens);
      } catch (RuntimeException e) {
        AtomicDirectory.delete(dir); // nothing half-written stays behind
        throw e;
      }
      AtomicDirectory.commit(dir, target);
    } catch (IOException e) {
      throw new UncheckedIOException("writing merged checkpoint " + target, e);
    }
  }

  /**
   * {@return every parameter but LoRA's, {@code W + alpha/r * B A} (in fp32, then W's dtype) for
   * adapted layers} The model is left as it is.
   */
  private static Map<String, Tensor> mergedWeights(LlavaModel model, ExportTensors tensors) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, Linear> linears = model.languageModel().blockLinears();
    for (String name : tensors.parameters().keySet()) {
      if (ParameterNames.LORA.test(name)) {
        continue;
      }
      String module =
          name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
      Linear l = module == null ? null : linears.get(module);
      if (l == null || !l.hasAdapter()) {
        out.put(name, tensors.tensor(name));
        continue;
      }
      LoraConfig lora =
          tensors
              .lora()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          module
                              + " has a LoRA adapter: merging it needs the LoraConfig (ExportTensors.withLora)"));
      Tensor w = tensors.source(name);
      ScalarType dtype =
          tensors.dtype().map(DType::scalarType).orElseGet(() -> w.scalar_type().intern());
      out.put(
          name,
          Lora.folded(
                  w,
                  tensors.source(module + ".lora_A.weight"),
                  tensors.source(module + ".lora_B.weight"),
                  lora)
              .to(dtype));
    }
    return out;
  }
}
