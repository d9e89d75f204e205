package io.lntune.torch.pytorch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@code torch.save} pickle of a state dict may build, and nothing else: the {@link
 * AllowedGlobal}s, an {@code OrderedDict} called with no arguments, tensors rebuilt from {@code
 * ('storage', type, key, location, numel)} persistent ids. Any other global is refused by name when
 * the pickle names it, before anything is built; nothing is ever called, since every allowed object
 * is data to us.
 */
final class WeightsOnlyObjects implements Unpickler.Objects {
  @Override
  public Object global(String module, String name) {
    return AllowedGlobal.find(module, name)
        .orElseThrow(
            () ->
                new PickleException(
                    "global '"
                        + module
                        + "."
                        + name
                        + "' is not allowed: lntune loads weights without running code and accepts only the globals a state dict "
                        + "needs ("
                        + AllowedGlobal.names()
                        + ")"));
  }

  @Override
  public Object reduce(Object callable, Tuple args) {
    if (callable == AllowedGlobal.ORDERED_DICT) {
      if (args.size() != 0) {
        throw new PickleException(
            "collections.OrderedDict is called with " + args.size() + " arguments, not none");
      }
      return new LinkedHashMap<>();
    }
    if (callable == AllowedGlobal.REBUILD_TENSOR_V2) {
      return rebuildTensor(args);
    }
    if (callable == AllowedGlobal.REBUILD_PARAMETER) {
      // (data, requires_grad, backward_hooks): the data is the tensor; a frozen copy needs neither
      // of the others
      expect(args, 3, AllowedGlobal.REBUILD_PARAMETER);
      return arg(args, 0, TensorView.class, AllowedGlobal.REBUILD_PARAMETER);
    }
    throw new PickleException(Unpickler.typeName(callable) + " cannot be called");
  }

  /**
   * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
   * backward_hooks[, metadata])}.
   */
  private static TensorView rebuildTensor(Tuple args) {
    AllowedGlobal f = AllowedGlobal.REBUILD_TENSOR_V2;
    if (args.size() != 6 && args.size() != 7) {
      throw new PickleException(f + " is called with " + args.size() + " arguments, not 6 or 7");
    }
    StorageRef storage = arg(args, 0, StorageRef.class, f);
    long offset = arg(args, 1, Long.class, f);
    long[] shape = longs(arg(args, 2, Tuple.class, f), "size");
    long[] stride = longs(arg(args, 3, Tuple.class, f), "stride");
    if (offset < 0 || shape.length != stride.length) {
      throw new PickleException(
          f
              + " is called with storage offset "
              + offset
              + ", "
              + shape.length
              + " sizes and "
              + stride.length
              + " strides");
    }
    return new TensorView(storage, offset, shape, stride);
  }

  private static long[] longs(Tuple t, String what) {
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.get(i) instanceof Long v) || v < 0) {
        throw new PickleException(
            "a tensor's "
                + what
                + " must hold non-negative ints, got "
                + Unpickler.typeName(t.get(i)));
      }
      out[i] = v;
    }
    return out;
  }

  /**
   * OrderedDict's state is its instance dict: {@code model.state_dict()} sets {@code _metadata}
   * (each module's version), which loading weights does not need.
   */
  @Override
  public void build(Object target, Object state) {
    if (!(target instanceof Map) || !(state instanceof Map)) {
      throw new PickleException(
          "BUILD sets "
              + Unpickler.typeName(state)
              + " state on "
              + Unpickler.typeName(target)
              + "; a state dict only sets an OrderedDict's attributes");
    }
  }

  /**
   * {@code ('storage', torch.FloatStorage, key, location, numel)}; the location does not matter on
   * the CPU.
   */
  @Override
  public Object persistentLoad(Object pid) {
    if (!(pid instanceof Tuple t)
        || t.size() != 5
        || !"storage".equals(t.get(0))
        || !(t.get(1) instanceof AllowedGlobal type)
        || type.storageDtype().isEmpty()
        || !(t.get(2) instanceof String key)
        || !(t.get(4) instanceof Long numel)
        || numel < 0) {
      throw new PickleException(
          "persistent id "
              + Unpickler.typeName(pid)
              + " is not ('storage', storage type, key, location, numel)");
    }
    return new StorageRef(key, type.storageDtype().get(), numel);
  }

  private static void expect(Tuple args, int n, AllowedGlobal f) {
    if (args.size() != n) {
      throw new PickleException(f + " is called with " + args.size() + " arguments, not " + n);
    }
  }

  private static <T> T arg(Tuple args, int i, Class<T> type, AllowedGlobal f) {
    Object a = args.get(i);
    if (!type.isInstance(a)) {
      throw new PickleException(f + " argument " + i + " is " + Unpickler.typeName(a));
    }
    return type.cast(a);
  }
}
