package io.lntune.torch.pytorch;

import io.lntune.torch.DType;

/**
 * A storage as a {@code torch.save} pickle refers to it: its persistent id {@code ('storage',
 * torch.FloatStorage, '0', 'cpu', 24)}. Its bytes are the archive's record {@code data/<key>}.
 *
 * @param key the record's name under {@code data/}
 * @param dtype the element type its storage class names
 * @param numel the number of elements
 */
record StorageRef(String key, DType dtype, long numel) {
  @Override
  public String toString() {
    return "storage '" + key + "' (" + numel + " " + dtype + ")";
  }
}
