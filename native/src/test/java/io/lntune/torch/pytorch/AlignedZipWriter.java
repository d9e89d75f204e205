package io.lntune.torch.pytorch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip archive of stored entries whose data starts at multiples of 64 bytes, padded through
 * the local header's extra field as PyTorch's writer does; optionally in full zip64 form, every
 * size and offset in zip64 extra fields and the zip64 end records, as archives over 4 GiB are. For
 * tests.
 */
public final class AlignedZipWriter {
  private static final int ALIGNMENT = 64;
  private static final long MAX32 = 0xFFFFFFFFL;

  private record Entry(String name, long crc, long size, long offset) {}

  private final boolean zip64;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final List<Entry> entries = new ArrayList<>();

  /**
   * @param zip64 whether to write every size and offset in zip64 form
   */
  public AlignedZipWriter(boolean zip64) {
    this.zip64 = zip64;
  }

  /** Adds a stored entry. */
  public AlignedZipWriter add(String name, byte[] data) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(data);
    long offset = out.size();
    int fixed =
        30 + nameBytes.length + (zip64 ? 20 : 0) + 4; // + zip64 sizes + the padding field's header
    int padding = (int) ((ALIGNMENT - (offset + fixed) % ALIGNMENT) % ALIGNMENT);
    ByteBuffer h = le(fixed + padding);
    h.putInt(0x04034b50)
        .putShort((short) 45)
        .putShort((short) 0)
        .putShort((short) 0)
        .putInt(0)
        .putInt((int) crc.getValue())
        .putInt(zip64 ? -1 : data.length)
        .putInt(zip64 ? -1 : data.length)
        .putShort((short) nameBytes.length)
        .putShort((short) (fixed + padding - 30 - nameBytes.length))
        .put(nameBytes);
    if (zip64) {
      h.putShort((short) 1).putShort((short) 16).putLong(data.length).putLong(data.length);
    }
    h.putShort((short) 0x4246).putShort((short) padding); // "FB", PyTorch's padding field
    out.writeBytes(h.array());
    out.writeBytes(data);
    entries.add(new Entry(name, crc.getValue(), data.length, offset));
    return this;
  }

  /** Writes the central directory and end records to {@code file}. */
  public void write(Path file) throws IOException {
    long start = out.size();
    for (Entry e : entries) {
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      ByteBuffer c = le(46 + name.length + (zip64 ? 28 : 0));
      c.putInt(0x02014b50)
          .putShort((short) 45)
          .putShort((short) 45)
          .putShort((short) 0)
          .putShort((short) 0)
          .putInt(0)
          .putInt((int) e.crc())
          .putInt(zip64 ? -1 : (int) e.size())
          .putInt(zip64 ? -1 : (int) e.size())
          .putShort((short) name.length)
          .putShort((short) (zip64 ? 28 : 0))
          .putShort((short) 0)
          .putShort((short) 0)
          .putShort((short) 0)
          .putInt(0)
          .putInt(zip64 ? -1 : (int) e.offset())
          .put(name);
      if (zip64) {
        c.putShort((short) 1)
            .putShort((short) 24)
            .putLong(e.size())
            .putLong(e.size())
            .putLong(e.offset());
      }
      out.writeBytes(c.array());
    }
    long size = out.size() - start;
    if (zip64) {
      long end64 = out.size();
      out.writeBytes(
          le(56)
              .putInt(0x06064b50)
              .putLong(44)
              .putShort((short) 45)
              .putShort((short) 45)
              .putInt(0)
              .putInt(0)
              .putLong(entries.size())
              .putLong(entries.size())
              .putLong(size)
              .putLong(start)
              .array());
      out.writeBytes(le(20).putInt(0x07064b50).putInt(0).putLong(end64).putInt(1).array());
    }
    short count = (short) (zip64 ? -1 : entries.size());
    out.writeBytes(
        le(22)
            .putInt(0x06054b50)
            .putShort((short) 0)
            .putShort((short) 0)
            .putShort(count)
            .putShort(count)
            .putInt(zip64 ? -1 : (int) size)
            .putInt(zip64 ? (int) MAX32 : (int) start)
            .putShort((short) 0)
            .array());
    Files.write(file, out.toByteArray());
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
