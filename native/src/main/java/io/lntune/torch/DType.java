package io.lntune.torch;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Element types, with their libtorch {@link ScalarType} and safetensors name.
 *
 * <p>Enums that come back from native calls are not the Java constants (docs/LIBTORCH.md, "Interned
 * enums"): {@link #of(ScalarType)} interns them, so use it rather than comparing {@code
 * scalar_type()} directly.
 *
 * <pre>{@code
 * DType d = DType.of(tensor.scalar_type());   // BF16
 * Tensor f = tensor.to(DType.F32.scalarType());
 * DType s = DType.fromSafetensors("F16").orElseThrow();
 * }</pre>
 */
public enum DType {
  F64("F64", ScalarType.Double, 8),
  F32("F32", ScalarType.Float, 4),
  F16("F16", ScalarType.Half, 2),
  BF16("BF16", ScalarType.BFloat16, 2),
  F8_E4M3("F8_E4M3", ScalarType.Float8_e4m3fn, 1),
  F8_E5M2("F8_E5M2", ScalarType.Float8_e5m2, 1),
  I64("I64", ScalarType.Long, 8),
  I32("I32", ScalarType.Int, 4),
  I16("I16", ScalarType.Short, 2),
  I8("I8", ScalarType.Char, 1),
  U64("U64", ScalarType.UInt64, 8),
  U32("U32", ScalarType.UInt32, 4),
  U16("U16", ScalarType.UInt16, 2),
  U8("U8", ScalarType.Byte, 1),
  BOOL("BOOL", ScalarType.Bool, 1);

  private final String safetensorsName;
  private final ScalarType scalarType;
  private final int byteSize;

  DType(String safetensorsName, ScalarType scalarType, int byteSize) {
    this.safetensorsName = safetensorsName;
    this.scalarType = scalarType;
    this.byteSize = byteSize;
  }

  /** {@return the name used in safetensors headers, e.g. {@code BF16}} */
  public String safetensorsName() {
    return safetensorsName;
  }

  public ScalarType scalarType() {
    return scalarType;
  }

  /** {@return bytes per element} */
  public int byteSize() {
    return byteSize;
  }

  public boolean isFloatingPoint() {
    return this == F64
        || this == F32
        || this == F16
        || this == BF16
        || this == F8_E4M3
        || this == F8_E5M2;
  }

  /**
   * Maps a libtorch scalar type, interning it first.
   *
   * @throws IllegalArgumentException for types lntune does not handle (complex, quantized, ...)
   */
  public static DType of(ScalarType type) {
    ScalarType interned = type.intern();
    for (DType d : values()) {
      if (d.scalarType == interned) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unsupported tensor dtype " + type + ": expected one of " + names());
  }

  /** {@return the dtype for a safetensors header name such as {@code F32}, if known} */
  public static Optional<DType> fromSafetensors(String name) {
    for (DType d : values()) {
      if (d.safetensorsName.equals(name)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /**
   * Parses a user-facing name: a safetensors name ({@code BF16}), a lower-case alias ({@code bf16},
   * {@code f32}) or a torch name ({@code bfloat16}, {@code float32}, {@code float16}, {@code
   * half}).
   *
   * @throws IllegalArgumentException naming the text and the accepted names
   */
  public static DType parse(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "float32":
      case "float":
        return F32;
      case "float16":
      case "half":
        return F16;
      case "bfloat16":
        return BF16;
      case "float64":
      case "double":
        return F64;
      case "int64":
      case "long":
        return I64;
      case "int32":
      case "int":
        return I32;
      case "bool":
        return BOOL;
      default:
        for (DType d : values()) {
          if (d.safetensorsName.equalsIgnoreCase(s)) {
            return d;
          }
        }
        throw new IllegalArgumentException(
            "unknown dtype '"
                + text
                + "': expected one of "
                + names()
                + " (or float32, float16, bfloat16)");
    }
  }

  /** {@return the accepted safetensors names, comma-separated} */
  public static String names() {
    return Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
  }
}
