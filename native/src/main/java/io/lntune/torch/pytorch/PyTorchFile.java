package io.lntune.torch.pytorch;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.CheckpointException;
import io.lntune.torch.checkpoint.MappedFile;
import io.lntune.torch.checkpoint.TensorEntry;
import io.lntune.torch.checkpoint.TensorFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * One PyTorch state dict saved by {@code torch.save} ({@code pytorch_model.bin}, a shard of one,
 * {@code mm_projector.bin}, {@code non_lora_trainables.bin}), read without running any of its
 * pickle. The pickle may name only what a state dict needs (as {@code
 * torch.load(weights_only=True)} allows); anything else, such as {@code posix.system} or a whole
 * {@code nn.Module}, is refused by name. The legacy pre-1.6 format is refused with advice.
 *
 * <p>Each tensor is rebuilt as PyTorch rebuilds it, a strided view of its storage, so views that
 * share a storage (transposed, narrowed, tied weights) come out as saved. Storages are viewed in
 * place in the memory-mapped file (see {@link MappedFile}); PyTorch stores them uncompressed and
 * 64-byte aligned. A storage that another tool compressed, or stored at an offset its element size
 * does not divide, is copied.
 *
 * <pre>{@code
 * try (PyTorchFile f = PyTorchFile.open(Path.of("mm_projector.bin"))) {
 *   for (TensorEntry e : f.tensors()) System.out.println(e.name() + " " + Arrays.toString(e.shape()));
 *   Tensor w = f.tensor("model.mm_projector.0.weight");   // zero-copy, stored dtype
 * }
 * }</pre>
 *
 * <p>Thread-safe for reading once opened.
 */
public final class PyTorchFile implements TensorFile {
  private final Path path;
  private final TorchArchive archive;
  private final Map<String, PickledTensor> byName; // in the state dict's order
  private final List<TensorEntry> tensors;
  private final Map<String, String> metadata;
  private final MappedFile mapped;

  private PyTorchFile(
      Path path,
      TorchArchive archive,
      Map<String, PickledTensor> byName,
      Map<String, String> metadata,
      MappedFile mapped) {
    this.path = path;
    this.archive = archive;
    this.byName = Collections.unmodifiableMap(byName);
    this.tensors = List.copyOf(byName.values());
    this.metadata = Map.copyOf(metadata);
    this.mapped = mapped;
  }

  /**
   * Opens {@code path}, reads its state dict and checks every tensor against its storage, then maps
   * the file.
   *
   * @throws CheckpointException naming the file (and tensor) if it is missing, unreadable,
   *     truncated, in the legacy format, names a global a state dict does not need, lacks a storage
   *     record, or has a tensor that does not fit its storage
   */
  public static PyTorchFile open(Path path) {
    Torch.init();
    TorchArchive archive;
    Map<String, PickledTensor> tensors;
    Map<String, String> metadata;
    long size;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      size = channel.size();
      archive = TorchArchive.read(path, channel);
      tensors = stateDict(path, unpickle(path, archive.pickle(channel)));
      metadata = archive.metadata(channel);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(path, "no such file");
    } catch (IOException e) {
      throw new CheckpointException(path, null, "cannot read: " + e.getMessage(), e);
    }
    tensors.values().forEach(t -> checkStorage(path, archive, t));
    return new PyTorchFile(path, archive, tensors, metadata, MappedFile.map(path, size));
  }

  private static Object unpickle(Path path, byte[] pickle) {
    try {
      return Unpickler.load(pickle, new WeightsOnlyObjects());
    } catch (PickleException e) {
      throw new CheckpointException(path, null, "data.pkl, " + e.getMessage(), e);
    }
  }

  /**
   * The pickle must be a dict (or OrderedDict) of names to tensors: what {@code model.state_dict()}
   * returns.
   */
  private static Map<String, PickledTensor> stateDict(Path path, Object root) {
    if (!(root instanceof Map<?, ?> dict)) {
      throw new CheckpointException(
          path,
          "holds a "
              + Unpickler.typeName(root)
              + ", not a state dict (a dict of "
              + "names to tensors): save model.state_dict()");
    }
    Map<String, PickledTensor> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorView view)) {
        throw new CheckpointException(
            path,
            "holds "
                + Unpickler.typeName(e.getValue())
                + " under key "
                + (e.getKey() instanceof String s ? "'" + s + "'" : Unpickler.typeName(e.getKey()))
                + ": a state dict maps names to tensors");
      }
      out.put(name, new PickledTensor(name, view));
    }
    return out;
  }

  /**
   * The storage's record must exist and hold its elements, and the view must lie inside the
   * storage.
   */
  private static void checkStorage(Path path, TorchArchive archive, PickledTensor t) {
    StorageRef storage = t.view().storage();
    String recordName = "data/" + storage.key();
    ZipRecord record = archive.record(recordName);
    String of = "storage '" + storage.key() + "' of tensor '" + t.name() + "'";
    if (record == null) {
      throw new CheckpointException(
          path, t.name(), of + " has no record " + recordName + " in the archive");
    }
    if (record.method() != ZipRecord.STORED && record.method() != ZipRecord.DEFLATED) {
      throw new CheckpointException(
          path,
          t.name(),
          of
              + " is compressed with zip method "
              + record.method()
              + "; lntune reads stored or deflated records");
    }
    if (!record.isStored() && record.size() > Integer.MAX_VALUE) {
      throw new CheckpointException(
          path, t.name(), of + " is compressed and over 2 GiB: re-save it with torch.save");
    }
    long needed;
    long end;
    try {
      needed = Math.multiplyExact(storage.numel(), storage.dtype().byteSize());
      end = t.view().end();
    } catch (ArithmeticException e) {
      throw new CheckpointException(
          path, t.name(), of + " has a size, stride or offset that overflows");
    }
    if (record.size() < needed) {
      throw new CheckpointException(
          path,
          t.name(),
          of
              + " is declared as "
              + storage.numel()
              + " "
              + storage.dtype()
              + " elements ("
              + needed
              + " bytes) but its record "
              + recordName
              + " holds "
              + record.size()
              + " bytes");
    }
    if (end > storage.numel()) {
      throw new CheckpointException(
          path,
          t.name(),
          "tensor '"
              + t.name()
              + "' views elements up to "
              + end
              + " of storage '"
              + storage.key()
              + "', which holds "
              + storage.numel());
    }
  }

  @Override
  public Path path() {
    return path;
  }

  /** {@return the tensors, in the state dict's order} */
  @Override
  public List<TensorEntry> tensors() {
    return tensors;
  }

  /**
   * {@return the archive's {@code version} (the format's, e.g. 3) and {@code byteorder} records,
   * where present}
   */
  @Override
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  @Override
  public TensorEntry info(String name) {
    return entry(name);
  }

  private PickledTensor entry(String name) {
    PickledTensor t = byName.get(name);
    if (t == null) {
      throw new CheckpointException(path, name, "no tensor named '" + name + "'");
    }
    return t;
  }

  /**
   * {@return the tensor {@code name} in its stored dtype, shape and strides: a view of the mapped
   * storage where its record is stored uncompressed at an aligned offset} The tensor belongs to the
   * caller's innermost {@link TensorScope}, if any.
   */
  @Override
  public Tensor tensor(String name) {
    TensorView view = entry(name).view();
    StorageRef storage = view.storage();
    ZipRecord record = archive.record("data/" + storage.key());
    long bytes = storage.numel() * storage.dtype().byteSize();
    return TensorScope.returning(
        () ->
            Torch.call(
                () -> path + ": reading tensor '" + name + "'",
                () -> {
                  Tensor raw =
                      record.isStored()
                          ? mapped.bytes(record.dataOffset(), bytes, storage.dtype().byteSize())
                          : archive.inflate(record).narrow(0, 0, bytes);
                  Tensor elements = raw.view(storage.dtype().scalarType());
                  return elements.as_strided(
                      view.shape(),
                      view.stride(),
                      new LongOptional(elements.storage_offset() + view.offset()));
                }));
  }

  /** Releases this object's hold on the mapping; tensors already read stay valid. */
  @Override
  public void close() {
    mapped.close();
  }
}
