package io.lntune.torch.safetensors;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.MappedFile;
import io.lntune.torch.checkpoint.TensorFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * One safetensors file, memory-mapped (see {@link MappedFile} for how the mapping is made safe).
 * Tensors read in their stored dtype are zero-copy views of the mapping: opening a 10 GB checkpoint
 * costs nothing until its pages are touched, and pages stay file-backed (reclaimable) memory. A
 * tensor whose offset in the file is not a multiple of its element size cannot be viewed in place
 * and is copied.
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
public final class SafetensorsFile implements TensorFile {
  private final Path path;
  private final SafetensorsHeader header;
  private final Map<String, TensorInfo> byName;
  private final MappedFile mapped;

  private SafetensorsFile(Path path, SafetensorsHeader header, MappedFile mapped) {
    this.path = path;
    this.header = header;
    this.mapped = mapped;
    this.byName = new LinkedHashMap<>();
    for (TensorInfo t : header.tensors()) {
      byName.put(t.name(), t);
    }
  }

  /**
   * Opens and validates {@code path} and maps it.
   *
   * @throws SafetensorsException if the file is missing, unreadable or malformed (the message names
   *     the file and the tensor at fault)
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
    return new SafetensorsFile(path, header, MappedFile.map(path, size));
  }

  @Override
  public Path path() {
    return path;
  }

  /** {@return the tensors, in header order} */
  @Override
  public List<TensorInfo> tensors() {
    return header.tensors();
  }

  /** {@return the {@code __metadata__} strings, empty if the file has none} */
  @Override
  public Map<String, String> metadata() {
    return header.metadata();
  }

  @Override
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /**
   * {@return the header entry of {@code name}}
   *
   * @throws SafetensorsException if there is no such tensor
   */
  @Override
  public TensorInfo info(String name) {
    TensorInfo info = byName.get(name);
    if (info == null) {
      throw new SafetensorsException(path, name, "no tensor named '" + name + "'");
    }
    return info;
  }

  /**
   * {@return the tensor {@code name} in its stored dtype, a zero-copy view of the mapping where its
   * offset is aligned to its element size} The tensor belongs to the caller's innermost {@link
   * TensorScope}, if any.
   */
  @Override
  public Tensor tensor(String name) {
    TensorInfo info = info(name);
    return TensorScope.returning(
        () ->
            Torch.call(
                () -> path + ": reading tensor '" + name + "'",
                () ->
                    mapped
                        .bytes(
                            header.dataStart() + info.begin(),
                            info.byteSize(),
                            info.dtype().byteSize())
                        .view(info.dtype().scalarType())
                        .view(info.shape())));
  }

  /**
   * Releases this object's hold on the mapping. Tensors already read stay valid: the mapping goes
   * away with the last of them.
   */
  @Override
  public void close() {
    mapped.close();
  }
}
