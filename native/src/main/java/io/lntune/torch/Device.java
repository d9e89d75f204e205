package io.lntune.torch;

import java.util.Locale;
import java.util.Objects;

/**
 * Where tensors live: {@code cpu}, {@code cuda}, {@code cuda:N} or {@code meta} (shapes only, no
 * memory; for planning and counting).
 *
 * <pre>{@code
 * Device d = Device.parse("cuda:1");      // or Device.cuda(1), Device.cpu(), Device.meta()
 * Tensor t = x.to(d.toTorch(), x.scalar_type().intern());
 * }</pre>
 *
 * @param kind the device kind
 * @param index the CUDA ordinal, or -1 for "the current device" (and always -1 for cpu and meta)
 */
public record Device(Kind kind, int index) {

  /** The device kinds lntune runs on. */
  public enum Kind {
    CPU,
    CUDA,
    META
  }

  public Device {
    Objects.requireNonNull(kind, "kind");
    if (kind != Kind.CUDA && index != -1) {
      throw new IllegalArgumentException(
          kind.name().toLowerCase(Locale.ROOT) + " takes no device index, got " + index);
    }
    if (index < -1) {
      throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
    }
  }

  public static Device cpu() {
    return new Device(Kind.CPU, -1);
  }

  public static Device meta() {
    return new Device(Kind.META, -1);
  }

  /** {@return the current CUDA device} */
  public static Device cuda() {
    return new Device(Kind.CUDA, -1);
  }

  public static Device cuda(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
    }
    return new Device(Kind.CUDA, index);
  }

  /**
   * Parses {@code cpu}, {@code cuda}, {@code cuda:N} or {@code meta} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Device parse(String text) {
    Objects.requireNonNull(text, "device");
    String s = text.strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "cpu":
        return cpu();
      case "meta":
        return meta();
      case "cuda":
        return cuda();
      default:
        if (s.startsWith("cuda:")) {
          try {
            return cuda(Integer.parseInt(s.substring(5)));
          } catch (IllegalArgumentException e) {
            // falls through to the message below
          }
        }
        throw new IllegalArgumentException(
            "unknown device '" + text + "': expected cpu, cuda, cuda:N (N >= 0) or meta");
    }
  }

  public boolean isCuda() {
    return kind == Kind.CUDA;
  }

  /**
   * {@return this device, checked to exist on this machine with this libtorch} Checking up front
   * turns libtorch's raw text about a missing device into a message that says what there is.
   *
   * @throws LntuneException for a CUDA device when libtorch has no CUDA or the machine no such
   *     device
   */
  public Device requireAvailable() {
    if (kind != Kind.CUDA) {
      return this;
    }
    int count = Torch.cudaAvailable() ? Torch.cudaDeviceCount() : 0;
    if (count == 0) {
      throw new LntuneException(
          "device "
              + this
              + ": no CUDA device is available (this libtorch "
              + (Torch.cudaAvailable()
                  ? "sees no GPU"
                  : "is the CPU build; build with -Pcuda on a machine with a GPU")
              + "); use --device cpu");
    }
    if (index >= count) {
      throw new LntuneException(
          "device "
              + this
              + " does not exist: this machine has "
              + count
              + " CUDA device"
              + (count == 1 ? " (cuda:0)" : "s (cuda:0 to cuda:" + (count - 1) + ")"));
    }
    return this;
  }

  /** {@return the libtorch device; loads libtorch if needed} */
  public org.bytedeco.pytorch.Device toTorch() {
    Torch.init();
    return new org.bytedeco.pytorch.Device(toString());
  }

  @Override
  public String toString() {
    String name = kind.name().toLowerCase(Locale.ROOT);
    return index >= 0 ? name + ":" + index : name;
  }
}
