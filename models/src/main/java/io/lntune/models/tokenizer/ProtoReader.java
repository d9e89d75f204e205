package io.lntune.models.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format: just enough to walk a SentencePiece {@code ModelProto} without a
 * protobuf dependency. Field numbers and wire types are the caller's business; this class only cuts
 * bytes.
 *
 * <pre>{@code
 * ProtoReader r = new ProtoReader(bytes, 0, bytes.length, "tokenizer.model");
 * while (r.hasMore()) {
 *   int tag = r.readTag();
 *   switch (ProtoReader.field(tag)) {
 *     case 1 -> pieces.add(r.readMessage());
 *     default -> r.skip(tag);
 *   }
 * }
 * }</pre>
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final byte[] buf;
  private final int end;
  private final String where;
  private int pos;

  /**
   * @param where what is being read, for error messages (e.g. {@code "tokenizer.model:
   *     pieces[12]"})
   */
  ProtoReader(byte[] buf, int start, int end, String where) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.where = where;
  }

  String where() {
    return where;
  }

  static int field(int tag) {
    return tag >>> 3;
  }

  static int wireType(int tag) {
    return tag & 7;
  }

  boolean hasMore() {
    return pos < end;
  }

  int readTag() {
    long tag = readVarint();
    if (tag <= 0 || tag > Integer.MAX_VALUE || field((int) tag) == 0) {
      throw malformed("invalid field tag " + tag);
    }
    return (int) tag;
  }

  long readVarint() {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw malformed("varint runs past the end");
      }
      byte b = buf[pos++];
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw malformed("varint longer than 10 bytes");
  }

  float readFloat() {
    require(4);
    int bits =
        (buf[pos] & 0xff)
            | (buf[pos + 1] & 0xff) << 8
            | (buf[pos + 2] & 0xff) << 16
            | (buf[pos + 3] & 0xff) << 24;
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  String readString() {
    int length = readLength();
    String s = new String(buf, pos, length, StandardCharsets.UTF_8);
    pos += length;
    return s;
  }

  byte[] readBytes() {
    int length = readLength();
    byte[] out = new byte[length];
    System.arraycopy(buf, pos, out, 0, length);
    pos += length;
    return out;
  }

  /** {@return a reader over the embedded message that follows, which this reader then skips} */
  ProtoReader readMessage(String what) {
    int length = readLength();
    ProtoReader sub = new ProtoReader(buf, pos, pos + length, what);
    pos += length;
    return sub;
  }

  /** Skips the value of a field this reader's caller does not need. */
  void skip(int tag) {
    switch (wireType(tag)) {
      case VARINT -> readVarint();
      case FIXED64 -> advance(8);
      case LENGTH_DELIMITED -> advance(readLength());
      case FIXED32 -> advance(4);
      default ->
          throw malformed("unsupported wire type " + wireType(tag) + " of field " + field(tag));
    }
  }

  /** Checks that the field has the wire type its schema declares. */
  void expect(int tag, int wireType, String fieldName) {
    if (wireType(tag) != wireType) {
      throw malformed(
          "field " + fieldName + " has wire type " + wireType(tag) + ", expected " + wireType);
    }
  }

  private int readLength() {
    long length = readVarint();
    if (length < 0 || length > end - pos) {
      throw malformed("length " + length + " runs past the end (" + (end - pos) + " bytes left)");
    }
    return (int) length;
  }

  private void advance(int n) {
    require(n);
    pos += n;
  }

  private void require(int n) {
    if (end - pos < n) {
      throw malformed("value of " + n + " bytes runs past the end");
    }
  }

  private TokenizerException malformed(String what) {
    return new TokenizerException(where + ": malformed protobuf at byte " + pos + ": " + what);
  }
}
