/**
 * Safetensors I/O: {@link io.lntune.torch.safetensors.SafetensorsFile} maps one file and hands out
 * zero-copy tensors, {@link io.lntune.torch.safetensors.SafetensorsCheckpoint} opens a file, a
 * sharded Hugging Face directory or an index, and {@link
 * io.lntune.torch.safetensors.SafetensorsWriter} writes atomically. Every malformed input raises a
 * {@link io.lntune.torch.safetensors.SafetensorsException} naming the file and tensor.
 */
package io.lntune.torch.safetensors;
