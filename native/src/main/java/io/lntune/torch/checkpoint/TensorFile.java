package io.lntune.torch.checkpoint;

import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * One file of named tensors, read lazily: a {@code .safetensors} file or a PyTorch {@code .bin}.
 * Tensors read in their stored dtype are zero-copy views of the memory-mapped file where its layout
 * allows; the mapping lives as long as any tensor uses it, even after {@link #close()}.
 *
 * <pre>{@code
 * try (TensorFile f = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *   for (TensorEntry e : f.tensors()) System.out.println(e.name());
 *   Tensor w = f.tensor("model.norm.weight", DType.F32);
 * }
 * }</pre>
 *
 * <p>Thread-safe for reading once opened.
 */
public interface TensorFile extends AutoCloseable {
  /** {@return the file} */
  Path path();

  /** {@return the tensors, in the file's order} */
  List<? extends TensorEntry> tensors();

  /** {@return the file's own metadata strings, empty if it has none} */
  Map<String, String> metadata();

  /** {@return whether the file holds a tensor called {@code name}} */
  boolean contains(String name);

  /**
   * {@return the entry of {@code name}}
   *
   * @throws CheckpointException if there is no such tensor
   */
  TensorEntry info(String name);

  /**
   * {@return the tensor {@code name} in its stored dtype, a zero-copy view of the file where its
   * layout allows} The tensor belongs to the caller's innermost {@link TensorScope}, if any.
   *
   * @throws CheckpointException if there is no such tensor
   */
  Tensor tensor(String name);

  /**
   * {@return the tensor {@code name} as {@code dtype}: as {@link #tensor(String)} when stored so, a
   * converted copy otherwise}
   */
  default Tensor tensor(String name, DType dtype) {
    TensorEntry info = info(name);
    if (info.dtype() == dtype) {
      return tensor(name);
    }
    return TensorScope.returning(
        () ->
            Torch.call(
                () ->
                    path()
                        + ": converting tensor '"
                        + name
                        + "' from "
                        + info.dtype()
                        + " to "
                        + dtype,
                () -> tensor(name).to(dtype.scalarType())));
  }

  /**
   * {@return the tensor {@code name} as {@code dtype} on {@code device}} On the CPU this is {@link
   * #tensor(String, DType)}; elsewhere the data is copied to the device.
   */
  default Tensor tensor(String name, DType dtype, Device device) {
    if (device.kind() == Device.Kind.CPU) {
      return tensor(name, dtype);
    }
    return TensorScope.returning(
        () ->
            Torch.call(
                () -> path() + ": moving tensor '" + name + "' to " + device,
                () -> tensor(name, dtype).to(device.toTorch(), dtype.scalarType())));
  }

  /** Releases this object's hold on the file; tensors already read stay valid. */
  @Override
  void close();
}
