package io.lntune.torch.pytorch;

import io.lntune.torch.DType;
import io.lntune.torch.TestTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes a state dict as {@code torch.save(model.state_dict(), file)} does (an OrderedDict pickled
 * with protocol 2, one 64-byte-aligned stored record per storage), each tensor with a storage of
 * its own. For tests that need a model-sized {@code .bin}; the reader itself is tested against
 * files PyTorch wrote.
 */
public final class TorchSaveWriter {
  private TorchSaveWriter() {}

  /** Writes {@code tensors} (any shape, any dtype a storage class has) to {@code file}. */
  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    String top = "archive/";
    AlignedZipWriter zip = new AlignedZipWriter(false);
    Pickle p = new Pickle();
    p.op(0x80).op(2).global("collections", "OrderedDict").op(')').op('R').op('(');
    int key = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      String storage = Integer.toString(key++);
      long[] shape = TestTensors.shape(t);
      p.string(e.getKey()).global("torch._utils", "_rebuild_tensor_v2").op('(');
      p.op('(')
          .string("storage")
          .global("torch", storageClass(DType.of(t.scalar_type())))
          .string(storage)
          .string("cpu")
          .integer(t.numel())
          .op('t')
          .op('Q');
      p.integer(0)
          .tuple(shape)
          .tuple(contiguousStrides(shape))
          .op(0x89)
          .global("collections", "OrderedDict")
          .op(')')
          .op('R')
          .op('t')
          .op('R');
      zip.add(top + "data/" + storage, TestTensors.bytes(t));
    }
    p.op('u').op('.');
    zip.add(top + "data.pkl", p.bytes())
        .add(top + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
    zip.write(file);
  }

  private static String storageClass(DType dtype) {
    Optional<AllowedGlobal> storage =
        Arrays.stream(AllowedGlobal.values())
            .filter(g -> g.storageDtype().equals(Optional.of(dtype)))
            .findFirst();
    String name =
        storage
            .orElseThrow(() -> new IllegalArgumentException("no storage class for " + dtype))
            .toString();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static long[] contiguousStrides(long[] shape) {
    long[] stride = new long[shape.length];
    long step = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      stride[i] = step;
      step *= Math.max(shape[i], 1);
    }
    return stride;
  }

  /** Pickle opcodes, as CPython's pickletools documents them. */
  static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle op(int opcode) {
      out.write(opcode);
      return this;
    }

    Pickle global(String module, String name) {
      out.write('c');
      out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Pickle string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write('X');
      out.writeBytes(
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
      out.writeBytes(b);
      return this;
    }

    /** BININT for values that fit 32 bits, else LONG1. */
    Pickle integer(long v) {
      if (v == (int) v) {
        out.write('J');
        out.writeBytes(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
      } else {
        out.write(0x8a);
        out.write(8);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
      }
      return this;
    }

    Pickle tuple(long[] values) {
      op('(');
      for (long v : values) {
        integer(v);
      }
      return op('t');
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
