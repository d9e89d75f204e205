package io.lntune.tools;

import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import picocli.CommandLine.Option;

/** {@code --dtype} and {@code --device}, shared by the commands that load a model (a picocli mixin). */
final class PlacementOptions {
  @Option(names = "--dtype", defaultValue = "f32", paramLabel = "DTYPE",
      description = "Weight dtype: f32, bf16 or f16. Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
  String device;

  /**
   * {@return the placement these options name}
   *
   * @throws IllegalArgumentException for an unknown dtype or device
   * @throws io.lntune.torch.LntuneException for a CUDA device this machine does not have
   */
  Placement placement() {
    return new Placement(Device.parse(device).requireAvailable(), DType.parse(dtype));
  }
}
