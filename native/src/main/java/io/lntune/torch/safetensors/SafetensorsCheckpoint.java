package io.lntune.torch.safetensors;

import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.FileFormat;
import io.lntune.torch.checkpoint.ShardedCheckpoint;
import java.nio.file.Path;
import java.util.List;

/**
 * The tensors of a safetensors checkpoint: one {@code .safetensors} file, a Hugging Face directory
 * (single file or shards listed in {@code model.safetensors.index.json}), or an index file. Every
 * shard is opened and validated up front; tensors are read lazily and zero-copy, as in {@link
 * SafetensorsFile}. {@link Checkpoint#open} reads PyTorch checkpoints as well.
 *
 * <pre>{@code
 * try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(Path.of("/models/vicuna-7b-v1.5"))) {
 *   System.out.println(ckpt.names().size() + " tensors, " + ckpt.parameterCount() + " parameters");
 *   Tensor w = ckpt.tensor("model.embed_tokens.weight", DType.BF16);
 * }
 * }</pre>
 */
public final class SafetensorsCheckpoint extends ShardedCheckpoint<SafetensorsFile> {
  /** Hugging Face's names for safetensors checkpoints. */
  public static final FileFormat<SafetensorsFile> FORMAT =
      new FileFormat<>(
          List.of(".safetensors"),
          "model.safetensors",
          "model.safetensors.index.json",
          SafetensorsFile::open,
          SafetensorsException::new,
          ".bin",
          "convert PyTorch pickles to safetensors first, or open the directory with Checkpoint.open");

  private SafetensorsCheckpoint(Path path) {
    super(path, FORMAT);
  }

  /**
   * Opens a {@code .safetensors} file, a {@code *.safetensors.index.json} file, or a directory
   * holding either, chosen as Hugging Face does: {@code model.safetensors.index.json}, else {@code
   * model.safetensors}, else the directory's only index or only {@code .safetensors} file.
   *
   * @throws SafetensorsException naming the file at fault: missing files or shards, malformed files
   *     or index, a tensor listed in the index but absent from its shard (or present but not
   *     listed), a name in two files
   */
  public static SafetensorsCheckpoint open(Path path) {
    return new SafetensorsCheckpoint(path);
  }

  /** {@return the header entry of {@code name}} @throws SafetensorsException if absent */
  @Override
  public TensorInfo info(String name) {
    return file(name).info(name);
  }
}
