package io.lntune.torch.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import io.lntune.torch.TestTensors;
import io.lntune.torch.Torch;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensors are views of one copy-on-write mapping: zero-copy, safe to write, alive as long as they
 * are.
 */
class MappingTest {
  private static final long MIB = 1L << 20;
  @TempDir Path dir;

  private Path twoTensors() {
    Torch.seed(1);
    Map<String, Tensor> t = new LinkedHashMap<>();
    try (TensorScope scope = TensorScope.open()) {
      t.put("a", randn(64, 64));
      t.put("b", randn(32));
      Path file = dir.resolve("two.safetensors");
      SafetensorsWriter.write(file, t);
      return file;
    }
  }

  @Test
  void alignedTensorsAreViewsOfOneMapping() {
    Path file = twoTensors();
    try (SafetensorsFile f = SafetensorsFile.open(file);
        TensorScope scope = TensorScope.open()) {
      long a1 = f.tensor("a").data_ptr().address();
      long a2 = f.tensor("a").data_ptr().address();
      long b = f.tensor("b").data_ptr().address();
      assertThat(a2).as("two reads of one tensor share memory").isEqualTo(a1);
      assertThat(b - a1)
          .as("tensors sit at their file distance")
          .isEqualTo(f.info("b").begin() - f.info("a").begin());
    }
  }

  @Test
  void unalignedTensorsAreCopied() {
    Path file = ReferenceFileTest.fixture("unaligned.safetensors");
    try (SafetensorsFile f = SafetensorsFile.open(file);
        TensorScope scope = TensorScope.open()) {
      assertThat(f.tensor("f32.matrix").data_ptr().address())
          .isNotEqualTo(f.tensor("f32.matrix").data_ptr().address());
    }
  }

  @Test
  void inPlaceWritesNeverReachTheFile() throws IOException {
    Path file = twoTensors();
    byte[] before = Files.readAllBytes(file);
    try (SafetensorsFile f = SafetensorsFile.open(file);
        TensorScope scope = TensorScope.open()) {
      Tensor a = f.tensor("a");
      double original = a.sum().item_double();
      a.add_(new Scalar(1.0)); // would crash the JVM over a read-only mapping
      assertThat(a.sum().item_double())
          .isCloseTo(original + 64 * 64, org.assertj.core.data.Offset.offset(1e-2));
      try (SafetensorsFile again = SafetensorsFile.open(file)) {
        assertThat(again.tensor("a").sum().item_double()).isEqualTo(original);
      }
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void tensorsOutliveTheFileObject() {
    Path file = twoTensors();
    Tensor b;
    double expected;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      b = f.tensor("b");
      expected = TestTensors.doubles(b)[31];
    }
    for (int i = 0; i < 3; i++) {
      System.gc(); // nothing on the Java side holds the mapping
    }
    assertThat(TestTensors.doubles(b)[31]).isEqualTo(expected);
    b.close();
  }

  @Test
  void aOneGibFileIsMappedNotRead() throws IOException {
    long n = 256 * MIB; // 256 Mi floats = 1 GiB
    Path file = dir.resolve("big.safetensors");
    String json =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + 4 * n + "]}}";
    byte[] header =
        (json + " ".repeat(7 - (json.length() + 7) % 8))
            .getBytes(StandardCharsets.UTF_8); // aligned
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      raf.write(header);
      raf.setLength(8 + header.length + 4 * n); // sparse: reads as zeros, costs no disk
    }

    try (SafetensorsFile f = SafetensorsFile.open(file);
        TensorScope scope = TensorScope.open()) {
      MemoryStats before = MemoryStats.now();
      Tensor w = f.tensor("w");
      MemoryStats mapped = MemoryStats.now();
      assertThat(w.numel()).isEqualTo(n);
      assertThat(mapped.rssBytes() - before.rssBytes()).as("mapping 1 GiB").isLessThan(16 * MIB);

      assertThat(w.narrow(0, 0, 16 * MIB).sum().item_double()).isZero(); // touch the first 64 MiB
      MemoryStats touched = MemoryStats.now();
      long grown = touched.rssBytes() - before.rssBytes();
      assertThat(grown).as("touching 64 MiB of 1 GiB").isBetween(48 * MIB, 160 * MIB);
      System.out.printf(
          "1 GiB file: rss +%d MiB after mapping, +%d MiB after touching 64 MiB (file-backed +%d MiB)%n",
          (mapped.rssBytes() - before.rssBytes()) / MIB,
          grown / MIB,
          (touched.rssFileBytes() - before.rssFileBytes()) / MIB);
      if (touched.rssFileBytes() >= 0) {
        assertThat(touched.rssFileBytes() - before.rssFileBytes())
            .as("file-backed, not copied")
            .isGreaterThan(48 * MIB);
      }
    }
  }

  @Test
  void filesAndTensorsAbove2GibAreRead() throws IOException {
    long big = 640 * MIB; // 640 Mi floats = 2.5 GiB, past a ByteBuffer's reach
    String json =
        "{\"big\":{\"dtype\":\"F32\",\"shape\":["
            + big
            + "],\"data_offsets\":[0,"
            + 4 * big
            + "]},"
            + "\"tail\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":["
            + 4 * big
            + ","
            + (4 * big + 16)
            + "]}}";
    byte[] header =
        (json + " ".repeat(7 - (json.length() + 7) % 8)).getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve("huge.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      raf.write(header);
      raf.seek(8 + header.length + 4 * big); // sparse up to here
      raf.write(
          ByteBuffer.allocate(16)
              .order(ByteOrder.LITTLE_ENDIAN)
              .putLong(-7)
              .putLong(Long.MAX_VALUE)
              .array());
    }
    try (SafetensorsFile f = SafetensorsFile.open(file);
        TensorScope scope = TensorScope.open()) {
      assertThat(TestTensors.doubles(f.tensor("tail")))
          .containsExactly(-7, (double) Long.MAX_VALUE);
      assertThat(f.tensor("tail").select(0, 1).item_long()).isEqualTo(Long.MAX_VALUE);
      Tensor w = f.tensor("big");
      assertThat(w.numel()).isEqualTo(big);
      assertThat(w.narrow(0, big - 4, 4).sum().item_double())
          .isZero(); // the last page before the tail
    }
  }
}
