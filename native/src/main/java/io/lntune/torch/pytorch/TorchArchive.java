package io.lntune.torch.pytorch;

import static org.bytedeco.pytorch.global.torch.empty;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The zip archive {@code torch.save} writes (since PyTorch 1.6): under one top folder ({@code
 * archive/}, or the file's stem before PyTorch 2), {@code data.pkl} (the pickle), {@code
 * data/<key>} (one record per storage, its raw little-endian bytes), {@code version} and, since
 * PyTorch 1.12, {@code byteorder}. PyTorch stores every record uncompressed and aligned to 64
 * bytes, so storages can be mapped where they lie; a record another tool compressed is inflated
 * into memory.
 */
final class TorchArchive {
  /** data.pkl of a 70B model is a few hundred KB; refuse absurd sizes before allocating. */
  private static final long MAX_PICKLE = 1L << 30;

  private static final int CHUNK = 1 << 16;

  private final Path file;
  private final String prefix;
  private final Map<String, ZipRecord> records;

  private TorchArchive(Path file, String prefix, Map<String, ZipRecord> records) {
    this.file = file;
    this.prefix = prefix;
    this.records = records;
  }

  /**
   * Reads the archive's directory.
   *
   * @throws CheckpointException naming {@code file} if it is in the legacy format, is not a
   *     torch.save archive, or was saved big-endian
   */
  static TorchArchive read(Path file, FileChannel channel) throws IOException {
    if (channel.size() > 0 && Byte.toUnsignedInt(ZipDirectory.read(channel, 0, 1).get(0)) == 0x80) {
      throw new CheckpointException(
          file,
          "is in the legacy torch.save format (a bare pickle: PyTorch before 1.6, or "
              + "_use_new_zipfile_serialization=False), which lntune does not read: re-save it with torch.save from "
              + "PyTorch 1.6 or later, whose zip format is the default, or convert it to safetensors");
    }
    Map<String, ZipRecord> records = ZipDirectory.read(file, channel);
    String pickle =
        records.keySet().stream()
            .filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9)
            .findFirst()
            .orElseThrow(
                () ->
                    new CheckpointException(
                        file,
                        records.keySet().stream().anyMatch(n -> n.endsWith("constants.pkl"))
                            ? "is a TorchScript archive (torch.jit.save): save the model's state_dict() with torch.save instead"
                            : "is a zip archive without a top-level data.pkl: not a torch.save file"));
    TorchArchive archive =
        new TorchArchive(file, pickle.substring(0, pickle.length() - "data.pkl".length()), records);
    ZipRecord byteorder = archive.record("byteorder");
    if (byteorder != null) {
      String order =
          new String(archive.bytes(channel, byteorder), StandardCharsets.US_ASCII).strip();
      if (!order.equals("little")) {
        throw new CheckpointException(
            file,
            "was saved with byteorder '"
                + order
                + "'; lntune reads little-endian "
                + "archives only");
      }
    }
    return archive;
  }

  /**
   * {@return the record {@code name} under the archive's top folder, e.g. {@code data/0}, or null}
   */
  ZipRecord record(String name) {
    return records.get(prefix + name);
  }

  /** {@return the pickle} @throws CheckpointException if it is absurdly large or corrupt */
  byte[] pickle(FileChannel channel) throws IOException {
    ZipRecord r = record("data.pkl");
    if (r.size() > MAX_PICKLE) {
      throw new CheckpointException(
          file,
          r.name() + " is " + r.size() + " bytes, more than lntune reads (" + MAX_PICKLE + ")");
    }
    return bytes(channel, r);
  }

  /**
   * {@return the {@code version} record (at {@code .data/version} since PyTorch 2.1) and the {@code
   * byteorder} one, where present}
   */
  Map<String, String> metadata(FileChannel channel) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : new String[] {"version", ".data/version", "byteorder"}) {
      ZipRecord r = record(name);
      if (r != null && r.size() < CHUNK) {
        out.putIfAbsent(
            name.substring(name.lastIndexOf('/') + 1),
            new String(bytes(channel, r), StandardCharsets.US_ASCII).strip());
      }
    }
    return out;
  }

  /** {@return a small record's data} */
  private byte[] bytes(FileChannel channel, ZipRecord r) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(r.size()));
    extract(channel, r, out);
    return out.array();
  }

  /**
   * {@return a compressed record inflated into a new uint8 tensor} The tensor belongs to the
   * caller's innermost {@link TensorScope}, if any.
   *
   * @throws CheckpointException if the data is corrupt or the file cannot be read
   */
  Tensor inflate(ZipRecord r) {
    Tensor out =
        Torch.call(
            () -> "allocating " + r.size() + " bytes for " + r.name(),
            () ->
                empty(
                    new long[] {r.size()},
                    new TensorOptions(ScalarType.Byte),
                    new MemoryFormatOptional()));
    if (r.size() == 0) {
      return out;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      extract(channel, r, new BytePointer(out.data_ptr()).capacity(r.size()).asByteBuffer());
    } catch (IOException e) {
      throw new CheckpointException(
          file, null, "cannot read " + r.name() + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Fills {@code out} (from position 0) with the record's data, stored or deflated, checked against
   * its CRC-32.
   */
  private void extract(FileChannel channel, ZipRecord r, ByteBuffer out) throws IOException {
    if (r.isStored()) {
      while (out.hasRemaining()) {
        if (channel.read(out, r.dataOffset() + out.position()) < 0) {
          throw new CheckpointException(file, r.name() + " ends early: truncated?");
        }
      }
    } else {
      inflate(channel, r, out);
    }
    CRC32 crc = new CRC32();
    crc.update(out.flip());
    if ((int) crc.getValue() != r.crc()) {
      throw new CheckpointException(file, r.name() + " fails its CRC-32 check: corrupt");
    }
  }

  private void inflate(FileChannel channel, ZipRecord r, ByteBuffer out) throws IOException {
    Inflater inflater =
        new Inflater(true); // zip entries are raw deflate streams, without zlib headers
    try {
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
      ByteBuffer overflow =
          ByteBuffer.allocate(1); // where output beyond the declared size would land
      long read = 0;
      while (!inflater.finished()) {
        if (inflater.needsInput()) {
          if (read == r.compressedSize()) {
            throw new CheckpointException(
                file, r.name() + " ends before its deflate stream does: corrupt");
          }
          chunk.clear().limit((int) Math.min(CHUNK, r.compressedSize() - read));
          int n = channel.read(chunk, r.dataOffset() + read);
          if (n < 0) {
            throw new CheckpointException(file, r.name() + " ends early: truncated?");
          }
          read += n;
          inflater.setInput(chunk.flip());
        }
        inflater.inflate(out.hasRemaining() ? out : overflow);
        if (overflow.position() > 0 || inflater.needsDictionary()) {
          throw new CheckpointException(
              file, r.name() + " does not inflate to its declared " + r.size() + " bytes: corrupt");
        }
      }
      if (out.hasRemaining()) {
        throw new CheckpointException(
            file,
            r.name() + " inflates to fewer than its declared " + r.size() + " bytes: corrupt");
      }
    } catch (DataFormatException e) {
      throw new CheckpointException(
          file, null, r.name() + " is not a valid deflate stream: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }
}
