package io.lntune.tools;

import io.lntune.models.image.ImageDecoder;
import io.lntune.models.load.LoadPolicy;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.training.distributed.TorchrunEnvironment;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --dtype}, {@code --device} and how inputs are loaded (weights: {@code --load}, {@code
 * --no-weight-check}; images: {@code --max-image-pixels}), shared by the commands that load a model
 * (a picocli mixin).
 */
final class PlacementOptions {
  @Option(
      names = "--dtype",
      defaultValue = "f32",
      paramLabel = "DTYPE",
      description = "Weight dtype: f32, bf16 or f16. Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      paramLabel = "DEVICE",
      description =
          "cpu, cuda or cuda:N; in a data-parallel job (torchrun-style variables set), cuda is "
              + "each rank's own GPU, cuda:LOCAL_RANK. Default: ${DEFAULT-VALUE}.")
  String device;

  @Option(
      names = "--load",
      defaultValue = "map",
      paramLabel = "map|copy",
      description =
          "map: weights stored in "
              + "--dtype are mapped from the file, not copied (the file must not change while lntune runs); copy: read them "
              + "into memory, for weights on shared or changing storage. Default: ${DEFAULT-VALUE}.")
  String load;

  @Option(
      names = "--no-weight-check",
      description = "Skip the check for NaN and infinite weights at load.")
  boolean noWeightCheck;

  @Option(
      names = "--max-image-pixels",
      paramLabel = "N",
      description =
          "Refuse images whose header declares more "
              + "pixels (default: PIL's limit, 89,478,485); a refused training image is a bad row.")
  Long maxImagePixels;

  /**
   * {@return the placement these options name} Also sets the {@link LoadPolicy} the loaders read.
   *
   * @throws IllegalArgumentException for an unknown dtype, device or load mode, or for {@code cuda}
   *     in an environment that sets some of the torchrun variables but not all
   * @throws io.lntune.torch.LntuneException for a CUDA device this machine does not have
   */
  Placement placement() {
    String mode = load.strip().toLowerCase(Locale.ROOT);
    if (!mode.equals("map") && !mode.equals("copy")) {
      throw new IllegalArgumentException("--load must be map or copy, got '" + load + "'");
    }
    System.setProperty(LoadPolicy.COPY, String.valueOf(mode.equals("copy")));
    System.setProperty(LoadPolicy.CHECK_FINITE, String.valueOf(!noWeightCheck));
    if (maxImagePixels != null) {
      if (maxImagePixels < 1) {
        throw new IllegalArgumentException(
            "--max-image-pixels must be >= 1, got " + maxImagePixels);
      }
      System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, maxImagePixels.toString());
    }
    Device requested = Device.parse(device);
    // Every rank of a torchrun-style job on a machine is given the same --device: a bare cuda is
    // the rank's own GPU, not cuda:0 for all of them.
    Device placed =
        requested.equals(Device.cuda())
            ? TorchrunEnvironment.from(System.getenv())
                .map(e -> e.placeOn(requested))
                .orElse(requested)
            : requested;
    return new Placement(placed.requireAvailable(), DType.parse(dtype));
  }
}
