package io.lntune.torch;

import java.util.Locale;

/**
 * Human-readable byte counts in binary units: {@code 248 B}, {@code 8.0 KiB}, {@code 12.55 GiB}.
 */
public final class ByteSize {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private ByteSize() {}

  /** {@return {@code bytes} in the largest binary unit that keeps the number at least 1} */
  public static String format(long bytes) {
    if (Math.abs(bytes) < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = 0;
    while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(
        Locale.ROOT, Math.abs(value) < 10 ? "%.2f %s" : "%.1f %s", value, UNITS[unit]);
  }
}
