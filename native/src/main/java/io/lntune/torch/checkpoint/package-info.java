/**
 * Checkpoints of named tensors, whatever their format: {@link
 * io.lntune.torch.checkpoint.Checkpoint#open} reads a safetensors or PyTorch file, index or Hugging
 * Face directory; {@link io.lntune.torch.checkpoint.TensorFile} is one file of it and {@link
 * io.lntune.torch.checkpoint.TensorEntry} one tensor's description. {@link
 * io.lntune.torch.checkpoint.ShardedCheckpoint} holds the shard and index rules both formats share,
 * and {@link io.lntune.torch.checkpoint.MappedFile} the memory mapping both read from.
 */
package io.lntune.torch.checkpoint;
