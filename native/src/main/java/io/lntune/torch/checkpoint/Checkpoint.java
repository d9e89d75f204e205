package io.lntune.torch.checkpoint;

import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.pytorch.PyTorchCheckpoint;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * The named tensors of a checkpoint, read-only, whatever its format: safetensors files or PyTorch
 * {@code torch.save} archives ({@code .bin}), one file or shards with their index. Every file is
 * opened and validated up front; tensors are read lazily and, where the file's layout allows,
 * zero-copy.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(Path.of("/models/llava-v1.5-7b"))) {   // pytorch_model-0000N-of-00002.bin
 *   System.out.println(ckpt.names().size() + " tensors, " + ckpt.parameterCount() + " parameters");
 *   Tensor w = ckpt.tensor("model.embed_tokens.weight", DType.BF16);
 * }
 * }</pre>
 *
 * <p>Thread-safe for reading once opened. Closing releases the files; tensors already read stay
 * valid.
 */
public interface Checkpoint extends AutoCloseable {

  /**
   * Opens a checkpoint file, index or directory. A directory is read as Hugging Face reads one: its
   * safetensors ({@code model.safetensors.index.json}, else {@code model.safetensors}, else its
   * only index or file) if it has any, else its PyTorch files ({@code
   * pytorch_model.bin.index.json}, else {@code pytorch_model.bin}, else its only {@code .bin} index
   * or file). A file is read by its extension: {@code .bin}, {@code .pt}, {@code .pth} and {@code
   * .bin.index.json} as PyTorch, anything else as safetensors.
   *
   * @throws CheckpointException naming the file at fault: missing files or shards, malformed or
   *     unsafe files, an index that does not match its shards, a name in two files
   */
  static Checkpoint open(Path path) {
    if (Files.isDirectory(path)) {
      if (ShardedCheckpoint.holds(path, SafetensorsCheckpoint.FORMAT)) {
        return SafetensorsCheckpoint.open(path);
      }
      if (ShardedCheckpoint.holds(path, PyTorchCheckpoint.FORMAT)) {
        return PyTorchCheckpoint.open(path);
      }
      throw new CheckpointException(
          path,
          "holds no checkpoint: expected model.safetensors or pytorch_model.bin, or "
              + "the shards model.safetensors.index.json or pytorch_model.bin.index.json lists");
    }
    return PyTorchCheckpoint.FORMAT.matches(path)
        ? PyTorchCheckpoint.open(path)
        : SafetensorsCheckpoint.open(path);
  }

  /** {@return what was opened: a file, an index or a directory} */
  Path source();

  /** {@return the opened files, one per shard} */
  List<? extends TensorFile> files();

  /** {@return every tensor name, sorted} */
  Set<String> names();

  /**
   * {@return the file holding {@code name}}
   *
   * @throws CheckpointException if no file holds it
   */
  TensorFile file(String name);

  /** {@return whether the checkpoint holds a tensor called {@code name}} */
  default boolean contains(String name) {
    return names().contains(name);
  }

  /**
   * {@return the entry of {@code name}}
   *
   * @throws CheckpointException if absent
   */
  default TensorEntry info(String name) {
    return file(name).info(name);
  }

  /** {@return the tensor {@code name}} See {@link TensorFile#tensor(String)}. */
  default Tensor tensor(String name) {
    return file(name).tensor(name);
  }

  /**
   * {@return the tensor {@code name} as {@code dtype}} See {@link TensorFile#tensor(String,
   * DType)}.
   */
  default Tensor tensor(String name, DType dtype) {
    return file(name).tensor(name, dtype);
  }

  /**
   * {@return the tensor {@code name} as {@code dtype} on {@code device}} See {@link
   * TensorFile#tensor(String, DType, Device)}.
   */
  default Tensor tensor(String name, DType dtype, Device device) {
    return file(name).tensor(name, dtype, device);
  }

  /** {@return the total number of elements} */
  default long parameterCount() {
    return names().stream().mapToLong(n -> info(n).numel()).sum();
  }

  /** {@return the total size of the tensors' elements in bytes} */
  default long byteSize() {
    return names().stream().mapToLong(n -> info(n).byteSize()).sum();
  }

  /** Closes every file; tensors already read stay valid. */
  @Override
  void close();
}
