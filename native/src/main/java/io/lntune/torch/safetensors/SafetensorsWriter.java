package io.lntune.torch.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes safetensors files atomically: the data goes to a temporary file next to the target, is
 * flushed to disk, and is renamed over the target; a failure at any point leaves the target as it
 * was and no temporary file behind. Any tensor layout is accepted (non-contiguous, any device,
 * bf16); tensors are written in the map's iteration order, and the header is padded to a multiple
 * of 8 bytes so that every tensor of the usual dtypes can be mapped in place when read back.
 *
 * <pre>{@code
 * Map<String, Tensor> tensors = new LinkedHashMap<>();
 * tensors.put("model.norm.weight", norm);
 * SafetensorsWriter.write(Path.of("out/adapter_model.safetensors"), tensors, Map.of("format", "pt"));
 * }</pre>
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Chunk size for copying tensor bytes out: a {@link ByteBuffer} addresses at most 2 GiB. */
  static final long CHUNK = 1L << 30;

  private SafetensorsWriter() {}

  /** Writes {@code tensors} with no metadata. */
  public static void write(Path file, Map<String, Tensor> tensors) {
    write(file, tensors, Map.of());
  }

  /**
   * Writes {@code tensors} and the {@code __metadata__} strings to {@code file}, replacing it
   * atomically.
   *
   * @throws SafetensorsException naming the file and tensor: undefined tensor, unsupported dtype,
   *     reserved or empty name, I/O failure
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    write(file, tensors, metadata, CHUNK);
  }

  static void write(
      Path file, Map<String, Tensor> tensors, Map<String, String> metadata, long chunk) {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    try (TensorScope scope = TensorScope.open()) {
      List<Tensor> data = new ArrayList<>();
      ObjectNode header = header(target, tensors, metadata, data);
      byte[] headerBytes = padded(JSON.writeValueAsBytes(header));
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try {
        try (FileChannel ch =
            FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          ByteBuffer length =
              ByteBuffer.allocate(8)
                  .order(ByteOrder.LITTLE_ENDIAN)
                  .putLong(headerBytes.length)
                  .flip();
          List<ByteBuffer> buffers = new ArrayList<>(List.of(length, ByteBuffer.wrap(headerBytes)));
          for (Tensor t : data) {
            buffers.addAll(chunks(t, chunk));
          }
          writeGathering(ch, buffers.toArray(ByteBuffer[]::new));
          ch.force(true);
        }
        if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
          // a temporary file is private to its owner; the file it becomes is as readable as its
          // siblings
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        moveAtomically(tmp, target);
        syncDirectory(dir);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new SafetensorsException(target, null, "cannot write: " + e.getMessage(), e);
    }
  }

  private static ObjectNode header(
      Path target, Map<String, Tensor> tensors, Map<String, String> metadata, List<Tensor> data) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject(SafetensorsHeader.METADATA_KEY);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (name == null || name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
        throw new SafetensorsException(
            target, name, "tensor name '" + name + "' is empty or reserved");
      }
      if (t == null || t.isNull() || !t.defined()) {
        throw new SafetensorsException(
            target, name, "tensor '" + name + "' is undefined or was released");
      }
      DType dtype;
      try {
        dtype = DType.of(t.scalar_type());
      } catch (IllegalArgumentException ex) {
        throw new SafetensorsException(target, name, "tensor '" + name + "': " + ex.getMessage());
      }
      Tensor host =
          Torch.call(
              () -> target + ": preparing tensor '" + name + "' " + Tensors.describe(t),
              () ->
                  t.device().is_cpu()
                      ? t.contiguous()
                      : t.to(new Device("cpu"), t.scalar_type().intern()).contiguous());
      data.add(host);
      long bytes = host.nbytes();
      ObjectNode entry = header.putObject(name);
      entry.put("dtype", dtype.safetensorsName());
      ArrayNode shape = entry.putArray("shape");
      for (long d : host.sizes().vec().get()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    return header;
  }

  private static byte[] padded(byte[] json) {
    int length = (json.length + 7) / 8 * 8;
    byte[] out = new byte[length];
    System.arraycopy(json, 0, out, 0, json.length);
    for (int i = json.length; i < length; i++) {
      out[i] = ' ';
    }
    return out;
  }

  /** {@return the bytes of contiguous CPU tensor {@code t} as buffers of at most {@code chunk}} */
  private static List<ByteBuffer> chunks(Tensor t, long chunk) {
    List<ByteBuffer> out = new ArrayList<>();
    long total = t.nbytes();
    for (long done = 0; done < total; done += chunk) {
      long n = Math.min(chunk, total - done);
      out.add(new BytePointer(t.data_ptr()).position(done).limit(done + n).asByteBuffer());
    }
    return out;
  }

  /**
   * Writes {@code buffers} in order, many per system call ({@code writev}). Why not tensor by
   * tensor: the page cache sizes its folios by the length of each write, and a memory-mapped load
   * maps a large folio in one go but a small one page by page. On the 2-core VM this was measured
   * on, the loader's first pass over a 1 GiB checkpoint written tensor by tensor (1-3 MiB writes at
   * unaligned offsets) took 350-670 ms, faulting the mapping in; written this way, 70-120 ms.
   */
  private static void writeGathering(FileChannel ch, ByteBuffer[] buffers) throws IOException {
    int first = 0;
    while (first < buffers.length) {
      ch.write(buffers, first, buffers.length - first);
      while (first < buffers.length && !buffers[first].hasRemaining()) {
        first++;
      }
    }
  }

  private static void moveAtomically(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "the file system of " + target.getParent() + " cannot rename atomically", e);
    }
  }

  /** Makes the rename itself durable. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems do not allow opening a directory; the data itself is already on disk.
    }
  }
}
