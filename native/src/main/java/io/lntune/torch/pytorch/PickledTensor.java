package io.lntune.torch.pytorch;

import io.lntune.torch.DType;
import io.lntune.torch.checkpoint.TensorEntry;

/**
 * One named tensor of a state dict.
 *
 * @param name the state dict key
 * @param view the storage it views, and how
 */
record PickledTensor(String name, TensorView view) implements TensorEntry {
  @Override
  public DType dtype() {
    return view.storage().dtype();
  }

  @Override
  public long[] shape() {
    return view.shape();
  }
}
