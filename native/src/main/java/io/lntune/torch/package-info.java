/**
 * The one place that knows JavaCPP's plumbing: loading libtorch ({@link io.lntune.torch.Torch}),
 * devices and dtypes, per-step native memory scopes ({@link io.lntune.torch.TensorScope}), memory
 * readings, error translation ({@link io.lntune.torch.TorchException}) and, in sub-packages,
 * checkpoints: {@code checkpoint} opens any of them, {@code safetensors} reads and writes
 * safetensors, {@code pytorch} reads {@code torch.save} files. Tensor ops are libtorch's own,
 * through {@code org.bytedeco.pytorch.global.torch}.
 */
package io.lntune.torch;
