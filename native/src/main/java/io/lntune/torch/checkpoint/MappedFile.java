package io.lntune.torch.checkpoint;

import static org.bytedeco.pytorch.global.torch.from_file;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.nio.file.Path;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A whole file memory-mapped as one uint8 tensor, from which byte ranges are cut without a copy.
 *
 * <p>How the mapping is made safe. libtorch maps the file itself ({@code at::from_file}),
 * copy-on-write ({@code MAP_PRIVATE}), and the mapping belongs to the storage of the tensors cut
 * from it. So:
 *
 * <ul>
 *   <li>the mapping lives exactly as long as any tensor uses it, even after this object is closed,
 *       and no Java buffer can be collected from under it (with {@code MappedByteBuffer} + {@code
 *       from_blob} that crashes the JVM);
 *   <li>an in-place write to a tensor copies the touched page and never reaches the file (with a
 *       read-only mapping that crashes the JVM);
 *   <li>there is no 2 GiB limit per tensor or per file.
 * </ul>
 *
 * <pre>{@code
 * MappedFile file = MappedFile.map(path, Files.size(path));
 * Tensor weights = file.bytes(4096, 1024, 4).view(ScalarType.Float);   // 256 floats, zero-copy
 * file.close();                                                          // weights stay valid
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class MappedFile implements AutoCloseable {
  private final Path path;
  private Tensor bytes; // the whole file as uint8, backed by the mapping; null once closed

  private MappedFile(Path path, Tensor bytes) {
    this.path = path;
    this.bytes = bytes;
  }

  /**
   * Maps the first {@code size} bytes of {@code path}, outside any {@link TensorScope}.
   *
   * @throws io.lntune.torch.TorchException if libtorch cannot map it
   */
  public static MappedFile map(Path path, long size) {
    Torch.init();
    Tensor bytes;
    try (TensorScope scope = TensorScope.open()) {
      bytes =
          scope.keep(
              Torch.call(
                  () -> "mapping " + path,
                  () ->
                      from_file(
                          path.toString(),
                          new BoolOptional(false),
                          new LongOptional(size),
                          new TensorOptions(ScalarType.Byte))));
    }
    return new MappedFile(path, bytes);
  }

  /**
   * {@return bytes {@code [offset, offset + length)} as a 1-d uint8 tensor: a view of the mapping,
   * or an aligned copy when {@code offset} is not a multiple of {@code alignment} (a view of it as
   * a wider type would be unaligned)} The tensor belongs to the caller's innermost {@link
   * TensorScope}, if any.
   *
   * @throws IllegalStateException if this file is closed
   */
  public Tensor bytes(long offset, long length, int alignment) {
    Tensor whole = mapping();
    return TensorScope.returning(
        () ->
            Torch.call(
                () -> path + ": reading bytes [" + offset + ", " + (offset + length) + ")",
                () -> {
                  Tensor raw = whole.narrow(0, offset, length);
                  return offset % alignment == 0 ? raw : raw.clone();
                }));
  }

  private synchronized Tensor mapping() {
    if (bytes == null) {
      throw new IllegalStateException(path + " is closed");
    }
    return bytes;
  }

  /** Releases this object's hold on the mapping; it goes away with the last tensor cut from it. */
  @Override
  public synchronized void close() {
    if (bytes != null) {
      bytes.close();
      bytes = null;
    }
  }
}
