package io.lntune.training.run;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Linear;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Module;

/**
 * Readies a model for a strategy: LoRA's adapters first when the strategy has them, then the
 * selected parameters trainable with fp32 masters and everything else frozen. Every run does it
 * this way: {@link FinetuningRun}, the bench, the demo's pretraining.
 *
 * <pre>{@code
 * TrainableParameters trainables = Preparation.trainables(model, Selection.of(Strategy.LORA),
 *     Optional.of(LoraConfig.defaults()), 42);
 * }</pre>
 */
public final class Preparation {
  private Preparation() {}

  /**
   * Prepares {@code model} to train {@code selection}.
   *
   * @param model a LLaVA or LLaMA model; any module when there is no LoRA
   * @param selection what trains
   * @param lora the adapters to attach to the decoder blocks' linear layers, initialised from
   *     {@code seed}; empty for none. A model that already has them (from an earlier run on the
   *     same model object) keeps its own.
   * @param seed the seed of the adapters' initialisation
   * @return the selected parameters, each with its fp32 master
   * @throws IllegalArgumentException if LoRA is asked for on a module that is neither a LLaVA nor a
   *     LLaMA model
   */
  public static TrainableParameters trainables(
      Module model, Selection selection, Optional<LoraConfig> lora, long seed) {
    if (lora.isPresent()) {
      Map<String, Linear> linears = blockLinears(model);
      if (!Lora.attached(linears)) {
        Lora.attach(linears, lora.get(), seed);
      }
    }
    return TrainableParameters.select(model, selection, true);
  }

  private static Map<String, Linear> blockLinears(Module model) {
    if (model instanceof LlavaModel llava) {
      return llava.languageModel().blockLinears();
    }
    if (model instanceof LlamaModel llama) {
      return llama.blockLinears();
    }
    throw new IllegalArgumentException(
        "LoRA adapts a LLaVA or LLaMA model's decoder, not a " + model.getClass().getSimpleName());
  }
}
