package io.lntune.tools;

import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Tensor;

/**
 * What a LLaVA model holds and what a strategy trains of it, per component, with the training
 * memory estimate: counted on a model built on the meta device, so no weights are read or allocated
 * (13B takes a fraction of a second). {@code lntune params} prints it; the demo's report puts the
 * paper-scale presets side by side with it.
 *
 * <pre>{@code
 * ParameterBudget b = ParameterBudget.of(LlavaConfigs.byName("llava-v1-vicuna-13b"), DType.BF16,
 *     Optional.of(Selection.of(Strategy.LORA)), LoraConfig.defaults(), 1, 2048, false);
 * b.trainable(); b.memory().fixed();
 * }</pre>
 *
 * @param components parameters per component ({@code vision_tower}, {@code projector}, {@code
 *     embeddings}, {@code lm_head}, {@code decoder_blocks}), in that order
 * @param total all parameters, adapters included
 * @param trainable the parameters the selection trains; 0 without one
 * @param memory the training memory estimate; activations are 0 without a selection
 */
public record ParameterBudget(
    Map<String, Component> components, long total, long trainable, MemoryEstimate memory) {

  /**
   * One component's parameters.
   *
   * @param total all its parameters
   * @param trainable those the selection trains
   */
  public record Component(long total, long trainable) {}

  private static final Map<String, Predicate<String>> COMPONENTS = new LinkedHashMap<>();

  static {
    COMPONENTS.put("vision_tower", ParameterNames.VISION);
    COMPONENTS.put("projector", ParameterNames.CONNECTOR);
    COMPONENTS.put("embeddings", ParameterNames.EMBEDDINGS);
    COMPONENTS.put("lm_head", ParameterNames.HEAD);
    COMPONENTS.put("decoder_blocks", n -> true); // everything else: blocks, norms, adapters
  }

  /** Keeps the components in their order, unmodifiable. */
  public ParameterBudget {
    components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
  }

  /**
   * {@return the budget of {@code strategy} on the LLaVA preset {@code preset}: bf16 weights, LoRA
   * at its defaults, one sequence of {@code sequence} tokens on CUDA} The paper-scale figures the
   * demo and the bench report.
   */
  public static ParameterBudget ofPreset(String preset, Strategy strategy, long sequence) {
    return of(
        LlavaConfigs.byName(preset),
        DType.BF16,
        Optional.of(Selection.of(strategy)),
        LoraConfig.defaults(),
        1,
        sequence,
        false);
  }

  /**
   * Counts {@code config}'s parameters and what {@code selection} trains of them.
   *
   * @param config the model
   * @param weights the dtype of the frozen weights, for the memory estimate
   * @param selection what trains; empty to count only
   * @param lora the adapters attached when {@code selection} is LoRA's
   * @param batch sequences per step, for the activation estimate
   * @param sequence tokens per sequence (text and image), for the activation estimate
   * @param cpu whether the step runs on the CPU (bf16 attention in fp32 there) rather than CUDA
   * @return the counts and the estimate
   * @throws IllegalArgumentException for an empty batch or a sequence of fewer than 2 tokens
   */
  public static ParameterBudget of(
      LlavaConfig config,
      DType weights,
      Optional<Selection> selection,
      LoraConfig lora,
      long batch,
      long sequence,
      boolean cpu) {
    LlavaModel model = new LlavaModel(config, Placement.meta(weights));
    LoraConfig attached = selection.filter(s -> s.is(Strategy.LORA)).map(s -> lora).orElse(null);
    if (attached != null) {
      Lora.attach(model.languageModel().blockLinears(), attached, 0);
    }
    Map<String, long[]> counts = new LinkedHashMap<>(); // component -> {total, trainable}
    COMPONENTS.keySet().forEach(k -> counts.put(k, new long[2]));
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      String component =
          COMPONENTS.entrySet().stream()
              .filter(c -> c.getValue().test(e.getKey()))
              .findFirst()
              .orElseThrow()
              .getKey();
      long n = e.getValue().numel();
      counts.get(component)[0] += n;
      if (selection.filter(s -> s.trains(e.getKey())).isPresent()) {
        counts.get(component)[1] += n;
      }
    }
    model.close();
    long total = counts.values().stream().mapToLong(c -> c[0]).sum();
    long trainable = counts.values().stream().mapToLong(c -> c[1]).sum();
    // The decoder's input needs a gradient when the token embeddings or the connector (which makes
    // the image tokens) train.
    boolean embedsNeedGrad = counts.get("embeddings")[1] > 0 || counts.get("projector")[1] > 0;
    long[] activations = new long[2];
    for (int recompute = 0; recompute < 2 && selection.isPresent(); recompute++) {
      activations[recompute] =
          ActivationMemory.bytes(
              config.text(),
              weights,
              cpu,
              selection.get()::trains,
              attached,
              embedsNeedGrad,
              batch,
              sequence,
              recompute == 1);
    }
    Map<String, Component> components = new LinkedHashMap<>();
    counts.forEach((k, c) -> components.put(k, new Component(c[0], c[1])));
    return new ParameterBudget(
        components,
        total,
        trainable,
        MemoryEstimate.of(total, trainable, weights, activations[0], activations[1]));
  }

  /** {@return the trainable share in percent: 100 x trainable / total} */
  public double trainablePercent() {
    return 100.0 * trainable / total;
  }
}
