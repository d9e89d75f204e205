package io.lntune.torch.pytorch;

import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.CheckpointException;
import io.lntune.torch.checkpoint.FileFormat;
import io.lntune.torch.checkpoint.ShardedCheckpoint;
import java.nio.file.Path;
import java.util.List;

/**
 * The tensors of a PyTorch checkpoint: one {@code torch.save} file ({@code .bin}, {@code .pt},
 * {@code .pth}), a Hugging Face directory (a single {@code pytorch_model.bin} or shards listed in
 * {@code pytorch_model.bin.index.json}), or an index file. Every shard is opened and checked up
 * front, as in {@link PyTorchFile}; {@link Checkpoint#open} picks this class for such paths.
 *
 * <pre>{@code
 * try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(Path.of("/models/llava-v1.5-7b"))) {
 *   Tensor w = ckpt.tensor("model.mm_projector.0.weight", DType.BF16);
 * }
 * }</pre>
 */
public final class PyTorchCheckpoint extends ShardedCheckpoint<PyTorchFile> {
  /** Hugging Face's names for PyTorch checkpoints. */
  public static final FileFormat<PyTorchFile> FORMAT =
      new FileFormat<>(
          List.of(".bin", ".pt", ".pth"),
          "pytorch_model.bin",
          "pytorch_model.bin.index.json",
          PyTorchFile::open,
          CheckpointException::new,
          ".safetensors",
          "open the directory with Checkpoint.open");

  private PyTorchCheckpoint(Path path) {
    super(path, FORMAT);
  }

  /**
   * Opens a {@code torch.save} file, a {@code *.bin.index.json} file, or a directory holding
   * either, chosen as Hugging Face does: {@code pytorch_model.bin.index.json}, else {@code
   * pytorch_model.bin}, else the directory's only index or only {@code .bin} file.
   *
   * @throws CheckpointException naming the file at fault (see {@link PyTorchFile#open}), or the
   *     index and shard that do not match
   */
  public static PyTorchCheckpoint open(Path path) {
    return new PyTorchCheckpoint(path);
  }
}
