package io.lntune.torch.safetensors;

import io.lntune.torch.DType;
import io.lntune.torch.checkpoint.TensorEntry;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name the tensor's name, e.g. {@code model.layers.0.input_layernorm.weight}
 * @param dtype the stored element type
 * @param shape the dimensions (empty for a scalar)
 * @param begin first byte, relative to the start of the data section
 * @param end one past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end)
    implements TensorEntry {

  /** Copies the shape. */
  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** {@return the stored size in bytes} */
  @Override
  public long byteSize() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return name + " " + dtype + " " + Arrays.toString(shape);
  }
}
