package io.lntune.torch.checkpoint;

import io.lntune.torch.DType;
import io.lntune.torch.Tensors;

/**
 * One named tensor of a checkpoint as its file describes it, before any data is read.
 *
 * <pre>{@code
 * TensorEntry e = checkpoint.info("model.norm.weight");
 * System.out.println(e.dtype() + " " + Arrays.toString(e.shape()) + ", " + e.byteSize() + " bytes");
 * }</pre>
 */
public interface TensorEntry {
  /** {@return the tensor's name, e.g. {@code model.layers.0.input_layernorm.weight}} */
  String name();

  /** {@return the stored element type} */
  DType dtype();

  /** {@return the dimensions (empty for a scalar), a copy} */
  long[] shape();

  /** {@return the number of elements} */
  default long numel() {
    return Tensors.numel(shape());
  }

  /** {@return the size of the tensor's elements in bytes} */
  default long byteSize() {
    return numel() * dtype().byteSize();
  }
}
