package io.lntune.torch.pytorch;

/**
 * One entry of a zip archive, located: where its data starts in the file and how it is stored.
 *
 * @param name the entry's name, e.g. {@code archive/data/0}
 * @param method 0 for stored, 8 for deflated
 * @param crc the CRC-32 of the uncompressed data
 * @param compressedSize the bytes the data takes in the file
 * @param size the bytes of the uncompressed data
 * @param dataOffset the absolute file offset of the data
 */
record ZipRecord(
    String name, int method, int crc, long compressedSize, long size, long dataOffset) {
  static final int STORED = 0;
  static final int DEFLATED = 8;

  boolean isStored() {
    return method == STORED;
  }
}
