package io.lntune.torch.safetensors;

import static org.bytedeco.pytorch.global.torch.from_file;

import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One safetensors file, memory-mapped. Tensors read in their stored dtype are zero-copy views of the
 * mapping: opening a 10 GB checkpoint costs nothing until its pages are touched, and pages stay file-backed
 * (reclaimable) memory.
 *
 * <p>How the mapping is made safe. libtorch maps the whole file itself ({@code at::from_file}), copy-on-write
 * ({@code MAP_PRIVATE}), and the mapping belongs to the storage of the tensors cut from it. So:
 * <ul>
 *   <li>the mapping lives exactly as long as any tensor uses it, even after this object is closed, and no
 *       Java buffer can be collected from under it (with {@code MappedByteBuffer} + {@code from_blob} that
 *       crashes the JVM);
 *   <li>an in-place write to a tensor copies the touched page and never reaches the file (with a read-only
 *       mapping that crashes the JVM);
 *   <li>there is no 2 GiB limit per tensor or per file.
 * </ul>
 * A tensor whose offset in the file is not a multiple of its element size cannot be viewed in place and is
 * copied.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *   for (TensorInfo info : f.tensors()) System.out.println(info);
 *   Tensor w = f.tensor("model.norm.weight");               // zero-copy, stored dtype
 *   Tensor w32 = f.tensor("model.norm.weight", DType.F32);  // converted copy when stored otherwise
 * }
 * }</pre>
 *
 * <p>Thread-safe for reading once opened.
 */
public final class SafetensorsFile implements AutoCloseable {
  private final Path path;
  private final SafetensorsHeader header;
  private final Map<String, TensorInfo> byName;
  private Tensor bytes; // the whole file as uint8, backed by the mapping; null once closed

  private SafetensorsFile(Path path, SafetensorsHeader header, Tensor bytes) {
    this.path = path;
    this.header = header;
    this.bytes = bytes;
    this.byName = new LinkedHashMap<>();
    for (TensorInfo t : header.tensors()) {
      byName.put(t.name(), t);
    }
  }

  /**
   * Opens and validates {@code path} and maps it.
   *
   * @throws SafetensorsException if the file is missing, unreadable or malformed (the message names the file and
   *     the tensor at fault)
   */
  public static SafetensorsFile open(Path path) {
    Torch.init();
    SafetensorsHeader header;
    long size;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      size = channel.size();
      header = SafetensorsHeader.read(path, channel);
    } catch (NoSuchFileException e) {
      throw new SafetensorsException(path, "no such file");
    } catch (IOException e) {
      throw new SafetensorsException(path, null, "cannot open: " + e.getMessage(), e);
    }
    Tensor bytes = mapWhole(path, size);
    return new SafetensorsFile(path, header, bytes);
  }

  private static Tensor mapWhole(Path path, long size) {
    Tensor bytes;
    try (TensorScope scope = TensorScope.open()) {
      bytes = scope.keep(Torch.call(() -> "mapping " + path,
          () -> from_file(path.toString(), new BoolOptional(false), new LongOptional(size),
              new TensorOptions(ScalarType.Byte))));
    }
    return bytes;
  }

  public Path path() {
    return path;
  }

  /** {@return the tensors, in header order} */
  public List<TensorInfo> tensors() {
    return header.tensors();
  }

  /** {@return the {@code __metadata__} strings, empty if the file has none} */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /**
   * {@return the header entry of {@code name}}
   *
   * @throws SafetensorsException if there is no such tensor
   */
  public TensorInfo info(String name) {
    TensorInfo info = byName.get(name);
    if (info == null) {
      throw new SafetensorsException(path, name, "no tensor named '" + name + "'");
    }
    return info;
  }

  /**
   * {@return the tensor {@code name} in its stored dtype, a zero-copy view of the mapping where its offset is
   * aligned to its element size} The tensor belongs to the caller's innermost {@link TensorScope}, if any.
   */
  public Tensor tensor(String name) {
    TensorInfo info = info(name);
    Tensor whole = mapping();
    return TensorScope.returning(() -> Torch.call(() -> path + ": reading tensor '" + name + "'", () -> {
      long offset = header.dataStart() + info.begin();
      Tensor raw = whole.narrow(0, offset, info.byteSize());
      if (offset % info.dtype().byteSize() != 0) {
        raw = raw.clone(); // an unaligned offset cannot be viewed as a wider type: copy to aligned memory
      }
      return raw.view(info.dtype().scalarType()).view(info.shape());
    }));
  }

  /**
   * {@return the tensor {@code name} as {@code dtype}: zero-copy when stored so, a converted copy otherwise}
   */
  public Tensor tensor(String name, DType dtype) {
    TensorInfo info = info(name);
    if (info.dtype() == dtype) {
      return tensor(name);
    }
    return TensorScope.returning(() -> Torch.call(() -> path + ": converting tensor '" + name + "' from "
        + info.dtype() + " to " + dtype, () -> tensor(name).to(dtype.scalarType())));
  }

  /**
   * {@return the tensor {@code name} as {@code dtype} on {@code device}} On the CPU this is
   * {@link #tensor(String, DType)}; elsewhere the data is copied to the device.
   */
  public Tensor tensor(String name, DType dtype, Device device) {
    if (device.kind() == Device.Kind.CPU) {
      return tensor(name, dtype);
    }
    return TensorScope.returning(() -> Torch.call(() -> path + ": moving tensor '" + name + "' to " + device,
        () -> tensor(name, dtype).to(device.toTorch(), dtype.scalarType())));
  }

  private synchronized Tensor mapping() {
    if (bytes == null) {
      throw new IllegalStateException(path + " is closed");
    }
    return bytes;
  }

  /**
   * Releases this object's hold on the mapping. Tensors already read stay valid: the mapping goes away with the
   * last of them.
   */
  @Override
  public synchronized void close() {
    if (bytes != null) {
      bytes.close();
      bytes = null;
    }
  }
}
