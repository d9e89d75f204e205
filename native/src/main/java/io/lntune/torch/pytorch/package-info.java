/**
 * PyTorch checkpoints saved by {@code torch.save}, read safely: {@link
 * io.lntune.torch.pytorch.PyTorchFile} reads one zip archive's state dict with a restricted
 * unpickler that runs nothing and accepts only what a state dict needs, and maps its storages in
 * place; {@link io.lntune.torch.pytorch.PyTorchCheckpoint} opens a file, a sharded Hugging Face
 * directory or its {@code pytorch_model.bin.index.json}. Every bad input raises a {@link
 * io.lntune.torch.checkpoint.CheckpointException} naming the file and tensor.
 */
package io.lntune.torch.pytorch;
