package io.lntune.torch.pytorch;

import java.util.Arrays;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} rebuilds it: a view of a storage. Tensors
 * that share a storage (a transposed or narrowed view, weights tied under two names) share one
 * record in the archive.
 *
 * @param storage the storage viewed
 * @param offset the first element, in elements from the storage's start
 * @param shape the dimensions
 * @param stride the elements to step per index, per dimension
 */
record TensorView(StorageRef storage, long offset, long[] shape, long[] stride) {
  TensorView {
    shape = shape.clone();
    stride = stride.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public long[] stride() {
    return stride.clone();
  }

  /** {@return the index of the last element viewed plus one, 0 for an empty view} */
  long end() {
    long last = offset;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == 0) {
        return 0;
      }
      last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
    }
    return last + 1;
  }

  @Override
  public String toString() {
    return "tensor " + Arrays.toString(shape) + " " + storage.dtype();
  }
}
