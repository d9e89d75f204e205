package io.lntune.tools;

import io.lntune.models.load.LoadPolicy;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --dtype}, {@code --device} and how weights are loaded ({@code --load}, {@code --no-weight-check}), shared by
 * the commands that load a model (a picocli mixin).
 */
final class PlacementOptions {
  @Option(names = "--dtype", defaultValue = "f32", paramLabel = "DTYPE",
      description = "Weight dtype: f32, bf16 or f16. Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
      description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
  String device;

  @Option(names = "--load", defaultValue = "map", paramLabel = "map|copy", description = "map: weights stored in "
      + "--dtype are mapped from the file, not copied (the file must not change while lntune runs); copy: read them "
      + "into memory, for weights on shared or changing storage. Default: ${DEFAULT-VALUE}.")
  String load;

  @Option(names = "--no-weight-check", description = "Skip the check for NaN and infinite weights at load.")
  boolean noWeightCheck;

  /**
   * {@return the placement these options name} Also sets the {@link LoadPolicy} the loaders read.
   *
   * @throws IllegalArgumentException for an unknown dtype, device or load mode
   * @throws io.lntune.torch.LntuneException for a CUDA device this machine does not have
   */
  Placement placement() {
    String mode = load.strip().toLowerCase(Locale.ROOT);
    if (!mode.equals("map") && !mode.equals("copy")) {
      throw new IllegalArgumentException("--load must be map or copy, got '" + load + "'");
    }
    System.setProperty(LoadPolicy.COPY, String.valueOf(mode.equals("copy")));
    System.setProperty(LoadPolicy.CHECK_FINITE, String.valueOf(!noWeightCheck));
    return new Placement(Device.parse(device).requireAvailable(), DType.parse(dtype));
  }
}
