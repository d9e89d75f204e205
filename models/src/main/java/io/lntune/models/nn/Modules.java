package io.lntune.models.nn;

import io.lntune.torch.TensorScope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;

/** Java-friendly views of a module tree. */
public final class Modules {
  private Modules() {}

  /**
   * {@return every parameter by its dotted name ({@code model.layers.0.input_layernorm.weight}), in
   * registration order}
   */
  public static Map<String, Tensor> namedParameters(Module module) {
    return toMap(module.named_parameters(true));
  }

  /** {@return every buffer by its dotted name, in registration order} */
  public static Map<String, Tensor> namedBuffers(Module module) {
    return toMap(module.named_buffers(true));
  }

  /** Copies each entry into a handle of its own: the dict's entries die with the dict. */
  private static Map<String, Tensor> toMap(StringTensorDict dict) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (long i = 0; i < dict.size(); i++) {
      StringTensorDictItem item = dict.get(i);
      BytePointer key = item.key();
      out.put(key == null ? "" : key.getString(), new Tensor(item.value()));
    }
    return out;
  }

  /**
   * Frees the memory of every parameter, gradient and buffer of {@code module} now: each parameter
   * and buffer becomes an empty tensor of its dtype and device, and loses its gradient. A model's
   * Java fields hold handles to its tensors, so closing the C++ module alone leaves its weights to
   * the garbage collector, which may never run before the next model is loaded. Views and clones
   * made before keep their own memory; handles to the tensors themselves see them empty.
   *
   * <pre>{@code
   * @Override
   * public void close() {
   *   Modules.release(this);
   *   super.close();
   * }
   * }</pre>
   */
  public static void release(Module module) {
    if (module.isNull()) {
      return; // closed before
    }
    try (TensorScope scope = TensorScope.open()) { // the handles made here
      for (Map<String, Tensor> tensors : List.of(namedParameters(module), namedBuffers(module))) {
        for (Tensor t : tensors.values()) {
          t.mutable_grad().reset();
          t.set_data(t.new_empty(0));
        }
      }
    }
  }

  /** {@return the number of parameter elements} */
  public static long parameterCount(Module module) {
    return namedParameters(module).values().stream().mapToLong(Tensor::numel).sum();
  }
}
