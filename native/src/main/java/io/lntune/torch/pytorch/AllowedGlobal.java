package io.lntune.torch.pytorch;

import io.lntune.torch.DType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The only Python objects a state dict's pickle may name, as PyTorch's own {@code
 * torch.load(weights_only=True)} allows them: {@code OrderedDict} (what {@code model.state_dict()}
 * returns), the functions that rebuild a tensor or parameter from a storage, and one storage class
 * per dtype (named in each storage's persistent id).
 */
enum AllowedGlobal {
  ORDERED_DICT("collections", "OrderedDict", null),
  REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2", null),
  REBUILD_PARAMETER("torch._utils", "_rebuild_parameter", null),
  FLOAT_STORAGE("torch", "FloatStorage", DType.F32),
  HALF_STORAGE("torch", "HalfStorage", DType.F16),
  BFLOAT16_STORAGE("torch", "BFloat16Storage", DType.BF16),
  DOUBLE_STORAGE("torch", "DoubleStorage", DType.F64),
  LONG_STORAGE("torch", "LongStorage", DType.I64),
  INT_STORAGE("torch", "IntStorage", DType.I32),
  SHORT_STORAGE("torch", "ShortStorage", DType.I16),
  CHAR_STORAGE("torch", "CharStorage", DType.I8),
  BYTE_STORAGE("torch", "ByteStorage", DType.U8),
  BOOL_STORAGE("torch", "BoolStorage", DType.BOOL);

  private final String module;
  private final String name;
  private final DType storageDtype;

  AllowedGlobal(String module, String name, DType storageDtype) {
    this.module = module;
    this.name = name;
    this.storageDtype = storageDtype;
  }

  /** {@return the global called {@code module.name}, if allowed} */
  static Optional<AllowedGlobal> find(String module, String name) {
    return Arrays.stream(values())
        .filter(g -> g.module.equals(module) && g.name.equals(name))
        .findFirst();
  }

  /** {@return the element type of a storage class, empty for the other globals} */
  Optional<DType> storageDtype() {
    return Optional.ofNullable(storageDtype);
  }

  /** {@return every allowed name, comma-separated} */
  static String names() {
    return Arrays.stream(values()).map(AllowedGlobal::toString).collect(Collectors.joining(", "));
  }

  /** {@return the Python name, e.g. {@code collections.OrderedDict}} */
  @Override
  public String toString() {
    return module + "." + name;
  }
}
