package io.lntune.torch.pytorch;

import io.lntune.torch.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads where each entry of a zip archive lies, from the end-of-central-directory record (or its
 * zip64 form), the central directory and each entry's local header, without reading the data. Our
 * own parser rather than {@code java.util.zip}, because storages are memory-mapped where they lie,
 * which needs their file offsets.
 *
 * <p>Follows PKWARE's APPNOTE: the end record is the last 22 bytes plus a comment of up to 64 KiB;
 * a zip64 locator just before it points to the zip64 end record, whose counts and offsets then win
 * (PyTorch's writer always adds one); a central entry whose size or offset reads {@code 0xFFFFFFFF}
 * carries the real value in its zip64 extra field (id 1), in the order uncompressed size,
 * compressed size, local header offset.
 */
final class ZipDirectory {
  private static final int END = 0x06054b50;
  private static final int ZIP64_END = 0x06064b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int LOCAL = 0x04034b50;
  private static final int END_SIZE = 22;
  private static final int LOCATOR_SIZE = 20;
  private static final int ZIP64_END_SIZE = 56;
  private static final int CENTRAL_SIZE = 46;
  private static final int LOCAL_SIZE = 30;
  private static final int ZIP64_EXTRA = 0x0001;
  private static final long MAX32 = 0xFFFFFFFFL;

  /** A 70B model's shards list a few thousand entries; refuse absurd sizes before allocating. */
  private static final long MAX_CENTRAL_DIRECTORY = 64L << 20;

  private ZipDirectory() {}

  /**
   * {@return every entry of the archive, by name, in central directory order}
   *
   * @throws CheckpointException naming {@code file} if it is not a zip archive, is truncated or is
   *     corrupt
   */
  static Map<String, ZipRecord> read(Path file, FileChannel channel) throws IOException {
    long fileSize = channel.size();
    long end = findEnd(file, channel, fileSize);
    ByteBuffer record = read(channel, end, END_SIZE);
    if (u16(record, 4) != 0 || u16(record, 6) != 0) {
      throw new CheckpointException(
          file, "is a zip archive split over several disks, which lntune does not read");
    }
    long entries = u16(record, 10);
    long size = u32(record, 12);
    long offset = u32(record, 16);
    long limit = end;
    if (end >= LOCATOR_SIZE && read(channel, end - LOCATOR_SIZE, 4).getInt(0) == ZIP64_LOCATOR) {
      long at = read(channel, end - LOCATOR_SIZE, LOCATOR_SIZE).getLong(8);
      if (at < 0 || at > end - LOCATOR_SIZE - ZIP64_END_SIZE) {
        throw new CheckpointException(
            file,
            "its zip64 end record offset "
                + Long.toUnsignedString(at)
                + " lies outside the archive: corrupt or truncated");
      }
      ByteBuffer zip64 = read(channel, at, ZIP64_END_SIZE);
      if (zip64.getInt(0) != ZIP64_END) {
        throw new CheckpointException(
            file, "has no zip64 end record at byte " + at + " where its locator points");
      }
      entries = zip64.getLong(32);
      size = zip64.getLong(40);
      offset = zip64.getLong(48);
      limit = at;
    }
    if (offset < 0 || size < 0 || size > limit - offset) {
      throw new CheckpointException(
          file,
          "its central directory ("
              + Long.toUnsignedString(size)
              + " bytes at byte "
              + Long.toUnsignedString(offset)
              + ") does not fit before its end record at byte "
              + limit
              + ": corrupt or truncated");
    }
    if (size > MAX_CENTRAL_DIRECTORY) {
      throw new CheckpointException(
          file,
          "its central directory is "
              + size
              + " bytes, more than lntune reads ("
              + MAX_CENTRAL_DIRECTORY
              + ")");
    }
    ByteBuffer central = read(channel, offset, (int) size);
    Map<String, ZipRecord> out = new LinkedHashMap<>();
    for (long i = 0; i < entries; i++) {
      ZipRecord r = entry(file, channel, central, i, fileSize);
      if (out.put(r.name(), r) != null) {
        throw new CheckpointException(file, r.name(), "holds entry '" + r.name() + "' twice");
      }
    }
    return out;
  }

  /**
   * The end record is the last signature whose comment length reaches exactly to the end of the
   * file.
   */
  private static long findEnd(Path file, FileChannel channel, long fileSize) throws IOException {
    int tail = (int) Math.min(fileSize, END_SIZE + 0xFFFF);
    if (tail < END_SIZE) {
      throw new CheckpointException(
          file, "is " + fileSize + " bytes, too short to be a zip archive");
    }
    ByteBuffer b = read(channel, fileSize - tail, tail);
    for (int i = tail - END_SIZE; i >= 0; i--) {
      if (b.getInt(i) == END && i + END_SIZE + u16(b, i + 20) == tail) {
        return fileSize - tail + i;
      }
    }
    throw new CheckpointException(
        file,
        "is not a zip archive, or is truncated: it has no end-of-central-directory "
            + "record (a torch.save file since PyTorch 1.6 is a zip archive)");
  }

  private static ZipRecord entry(
      Path file, FileChannel channel, ByteBuffer central, long index, long fileSize)
      throws IOException {
    int at = central.position();
    if (central.remaining() < CENTRAL_SIZE || central.getInt(at) != CENTRAL) {
      throw new CheckpointException(
          file,
          "its central directory entry "
              + index
              + " (at byte "
              + at
              + " of the directory) is malformed: corrupt or truncated");
    }
    int flags = u16(central, at + 8);
    int method = u16(central, at + 10);
    int crc = central.getInt(at + 16);
    long compressed = u32(central, at + 20);
    long size = u32(central, at + 24);
    int nameLength = u16(central, at + 28);
    int extraLength = u16(central, at + 30);
    int commentLength = u16(central, at + 32);
    long local = u32(central, at + 42);
    if (central.remaining() < CENTRAL_SIZE + nameLength + extraLength + commentLength) {
      throw new CheckpointException(
          file, "its central directory entry " + index + " runs past the directory's end");
    }
    byte[] nameBytes = new byte[nameLength];
    central.get(at + CENTRAL_SIZE, nameBytes);
    String name = new String(nameBytes, StandardCharsets.UTF_8);
    if (size == MAX32 || compressed == MAX32 || local == MAX32) {
      ByteBuffer zip64 =
          zip64Extra(file, name, central.slice(at + CENTRAL_SIZE + nameLength, extraLength));
      size = size == MAX32 ? zip64Value(file, name, zip64) : size;
      compressed = compressed == MAX32 ? zip64Value(file, name, zip64) : compressed;
      local = local == MAX32 ? zip64Value(file, name, zip64) : local;
    }
    central.position(at + CENTRAL_SIZE + nameLength + extraLength + commentLength);
    if ((flags & 1) != 0) {
      throw new CheckpointException(file, name, "entry '" + name + "' is encrypted");
    }
    if (local > fileSize - LOCAL_SIZE) {
      throw new CheckpointException(
          file,
          name,
          "entry '"
              + name
              + "' has its header at byte "
              + local
              + ", past the end of the file ("
              + fileSize
              + " bytes): truncated?");
    }
    ByteBuffer header = read(channel, local, LOCAL_SIZE);
    if (header.getInt(0) != LOCAL) {
      throw new CheckpointException(
          file, name, "entry '" + name + "' has no local header at byte " + local + ": corrupt");
    }
    long data = local + LOCAL_SIZE + u16(header, 26) + u16(header, 28);
    if (compressed > fileSize - data) {
      throw new CheckpointException(
          file,
          name,
          "entry '"
              + name
              + "' ("
              + compressed
              + " bytes at byte "
              + data
              + ") runs past the end of the file ("
              + fileSize
              + " bytes): truncated?");
    }
    return new ZipRecord(name, method, crc, compressed, size, data);
  }

  private static ByteBuffer zip64Extra(Path file, String name, ByteBuffer extra) {
    extra.order(ByteOrder.LITTLE_ENDIAN);
    while (extra.remaining() >= 4) {
      int id = u16(extra, extra.position());
      int length = u16(extra, extra.position() + 2);
      extra.position(extra.position() + 4);
      if (length > extra.remaining()) {
        break;
      }
      if (id == ZIP64_EXTRA) {
        return extra.slice(extra.position(), length).order(ByteOrder.LITTLE_ENDIAN);
      }
      extra.position(extra.position() + length);
    }
    throw new CheckpointException(
        file,
        name,
        "entry '"
            + name
            + "' needs a zip64 extra field for its size or offset "
            + "but has none: corrupt");
  }

  private static long zip64Value(Path file, String name, ByteBuffer zip64) {
    if (zip64.remaining() < 8) {
      throw new CheckpointException(
          file,
          name,
          "entry '"
              + name
              + "' has a zip64 extra field too short for the "
              + "sizes and offset it stands for: corrupt");
    }
    long v = zip64.getLong();
    if (v < 0) {
      throw new CheckpointException(
          file,
          name,
          "entry '"
              + name
              + "' has a zip64 size or offset of "
              + Long.toUnsignedString(v)
              + ": corrupt");
    }
    return v;
  }

  /**
   * {@return {@code length} bytes at {@code position}, little-endian} @throws IOException at the
   * end of the file
   */
  static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, position + b.position()) < 0) {
        throw new IOException("unexpected end of file at byte " + (position + b.position()));
      }
    }
    return b.flip();
  }

  private static int u16(ByteBuffer b, int at) {
    return Short.toUnsignedInt(b.getShort(at));
  }

  private static long u32(ByteBuffer b, int at) {
    return Integer.toUnsignedLong(b.getInt(at));
  }
}
