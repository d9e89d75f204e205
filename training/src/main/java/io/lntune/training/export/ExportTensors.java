package io.lntune.training.export;

import io.lntune.models.nn.Modules;
import io.lntune.torch.DType;
import io.lntune.training.optim.Trainable;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.LoraConfig;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * What the exports write for each parameter of a model: a trained parameter's fp32 master rather
 * than its rounded copy inside a bf16 or fp16 model (the master holds the updates that rounding
 * would lose), every other parameter as it is; or every tensor cast to one dtype when one is asked
 * for. A model with LoRA adapters attached names their configuration, which the PEFT adapter
 * records and the merged checkpoint folds with.
 *
 * <pre>{@code
 * ExportTensors tensors = ExportTensors.of(model, trainables);             // norms in fp32, the rest in bf16
 * TrainableDelta.write(out, tensors, selection, Map.of());
 * ExportTensors half = tensors.withDtype(DType.F16);                       // everything in fp16
 * ExportTensors adapted = ExportTensors.of(loraModel, trainables).withLora(loraConfig);
 * }</pre>
 */
public final class ExportTensors {
  private final Map<String, Tensor> parameters;
  private final Map<String, Tensor>
      masters; // of every trainable, or null when the trainables are unknown
  private final DType dtype; // null when each tensor keeps its own
  private final LoraConfig lora; // null when no adapters are attached

  private ExportTensors(
      Map<String, Tensor> parameters, Map<String, Tensor> masters, DType dtype, LoraConfig lora) {
    this.parameters = parameters;
    this.masters = masters;
    this.dtype = dtype;
    this.lora = lora;
  }

  /**
   * {@return the parameters of {@code model} as they are} For a model changed outside a tuner (an
   * adapter applied, fp32 throughout), whose trainables are unknown: every parameter counts as
   * {@link #changed}.
   */
  public static ExportTensors of(Module model) {
    return new ExportTensors(
        Collections.unmodifiableMap(Modules.namedParameters(model)), null, null, null);
  }

  /**
   * {@return the parameters of {@code model}, those {@code trainables} train taken from their fp32
   * masters}
   */
  public static ExportTensors of(Module model, TrainableParameters trainables) {
    Map<String, Tensor> masters = new HashMap<>();
    for (Trainable t : trainables.all()) {
      masters.put(t.name(), t.master());
    }
    return new ExportTensors(
        Collections.unmodifiableMap(Modules.namedParameters(model)), masters, null, null);
  }

  /**
   * {@return these tensors, every one cast to {@code dtype} (masters rounded once, on the way out)}
   */
  public ExportTensors withDtype(DType dtype) {
    return new ExportTensors(parameters, masters, Objects.requireNonNull(dtype, "dtype"), lora);
  }

  /** {@return these tensors, of a model whose LoRA adapters were attached with {@code lora}} */
  public ExportTensors withLora(LoraConfig lora) {
    return new ExportTensors(parameters, masters, dtype, Objects.requireNonNull(lora, "lora"));
  }

  /** {@return the configuration of the model's LoRA adapters; empty when it has none} */
  public Optional<LoraConfig> lora() {
    return Optional.ofNullable(lora);
  }

  /** {@return the dtype every tensor is cast to; empty when each keeps its own} */
  public Optional<DType> dtype() {
    return Optional.ofNullable(dtype);
  }

  /**
   * {@return the model's parameters by name, in the model's order (the tensors inside the model)}
   */
  public Map<String, Tensor> parameters() {
    return parameters;
  }

  /**
   * {@return whether parameter {@code name} may differ from the base model's: it trained, or nobody
   * knows}
   */
  public boolean changed(String name) {
    return masters == null || masters.containsKey(name);
  }

  /**
   * {@return the full-precision value of parameter {@code name}: its master when it trained, else
   * itself}
   */
  public Tensor source(String name) {
    Tensor master = masters == null ? null : masters.get(name);
    return master != null ? master : parameters.get(name);
  }

  /**
   * {@return what an export writes for parameter {@code name}} Call inside a {@code TensorScope}.
   */
  public Tensor tensor(String name) {
    Tensor t = source(name);
    return dtype == null ? t : t.to(dtype.scalarType());
  }

  /**
   * {@return what an export writes for each parameter {@code which} accepts, in the model's order}
   */
  public Map<String, Tensor> tensors(Predicate<String> which) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    parameters.keySet().stream().filter(which).forEach(name -> out.put(name, tensor(name)));
    return out;
  }
}
