package io.lntune.models.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Registers parameters and keeps a handle that stays valid. {@code Module.register_parameter}
 * returns a reference into the module's parameter table, which moves when the table grows: using
 * that reference after a second registration crashes the JVM. The tensor passed in shares the
 * parameter's storage and autograd identity, so it is the handle to keep. Create modules outside
 * any {@code TensorScope}, which would free such handles.
 */
public final class Params {
  private Params() {}

  /**
   * Registers {@code tensor} as the frozen parameter {@code name} of {@code module}.
   *
   * @param module the owner
   * @param name the parameter's name within the owner
   * @param tensor the weights
   * @return {@code tensor}
   */
  public static Tensor frozen(Module module, String name, Tensor tensor) {
    module.register_parameter(name, tensor, false);
    return tensor;
  }

  /**
   * Registers {@code tensor} as the buffer {@code name} of {@code module}.
   *
   * @param module the owner
   * @param name the buffer's name within the owner
   * @param tensor the values
   * @return {@code tensor}
   */
  public static Tensor buffer(Module module, String name, Tensor tensor) {
    module.register_buffer(name, tensor);
    return tensor;
  }
}
