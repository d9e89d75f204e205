package io.lntune.torch.pytorch;

import static io.lntune.torch.pytorch.FixtureFileTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.torch.TensorScope;
import io.lntune.torch.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile, legacy, truncated and inconsistent files fail with a {@link CheckpointException} naming
 * the file and what is wrong, before anything in them runs.
 */
class UnsafeAndMalformedFileTest {
  /**
   * The file the hostile fixtures' commands would create (make_pytorch_fixtures.py checks that they
   * do).
   */
  private static final Path MARKER = Path.of("/tmp/lntune-hostile-pickle-ran");

  @TempDir Path dir;

  private static AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(Path p) {
    return assertThatThrownBy(() -> PyTorchFile.open(p).close())
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(p + ": ");
  }

  @Test
  void aPickleCallingPosixSystemIsRefusedByNameAndNothingRuns() throws IOException {
    Files.deleteIfExists(MARKER);
    assertOpenFails(fixture("hostile_system.bin"))
        .hasMessageContaining("data.pkl, byte 18 (opcode 0x63)")
        .hasMessageContaining("global 'posix.system' is not allowed");
    assertThat(MARKER).doesNotExist();
  }

  @Test
  void aPickleCallingEvalIsRefusedByNameAndNothingRuns() throws IOException {
    Files.deleteIfExists(MARKER);
    assertOpenFails(fixture("hostile_eval.bin"))
        .hasMessageContaining("global 'builtins.eval' is not allowed");
    assertThat(MARKER).doesNotExist();
  }

  @Test
  void aWholeModuleIsNotAStateDict() {
    assertOpenFails(fixture("module.bin"))
        .hasMessageContaining("global 'torch.nn.modules.linear.Linear' is not allowed")
        .hasMessageContaining("collections.OrderedDict, torch._utils._rebuild_tensor_v2");
  }

  @Test
  void theLegacyFormatGetsAdvice() {
    assertOpenFails(fixture("legacy.bin"))
        .hasMessageContaining("legacy torch.save format")
        .hasMessageContaining("re-save it with torch.save from PyTorch 1.6 or later");
  }

  @Test
  void aViewPastItsStorage() {
    assertOpenFails(fixture("view_out_of_bounds.bin"))
        .hasMessageContaining("tensor 'w' views elements up to 9 of storage '0', which holds 6");
  }

  @Test
  void aRecordShorterThanItsStorage() {
    assertOpenFails(fixture("short_storage.bin"))
        .hasMessageContaining(
            "storage '0' of tensor 'w' is declared as 8 F32 elements (32 bytes) but its record data/0 holds 16 bytes");
  }

  @Test
  void aMissingStorageRecord() throws IOException {
    Path p = dir.resolve("missing.bin");
    rezip(fixture("views.bin"), p, ZipEntry.STORED, "views/data/1");
    assertOpenFails(p)
        .hasMessageContaining(
            "storage '1' of tensor 'bf16.tail' has no record data/1 in the archive");
  }

  @Test
  void everyTruncationFails() throws IOException {
    byte[] whole = Files.readAllBytes(fixture("views.bin"));
    Path p = dir.resolve("truncated.bin");
    for (int length = 0; length < whole.length; length += 7) {
      Files.write(p, Arrays.copyOf(whole, length));
      assertOpenFails(p).as("first %d bytes", length);
    }
    Files.write(p, Arrays.copyOf(whole, whole.length - 30));
    assertOpenFails(p).hasMessageContaining("is not a zip archive, or is truncated");
  }

  @Test
  void notAZipArchive() throws IOException {
    Path p = dir.resolve("text.bin");
    Files.writeString(p, "this is not a checkpoint, but it is long enough to hold an end record");
    assertOpenFails(p).hasMessageContaining("is not a zip archive");
    assertOpenFails(dir.resolve("absent.bin")).hasMessageContaining("no such file");
  }

  @Test
  void aCorruptDeflatedPickleFailsItsCheck() throws IOException {
    Path p = dir.resolve("deflated.bin");
    rezip(fixture("views.bin"), p, ZipEntry.DEFLATED, null);
    ZipRecord pickle;
    try (FileChannel channel = FileChannel.open(p)) {
      pickle = ZipDirectory.read(p, channel).get("views/data.pkl");
    }
    assertThat(pickle.isStored()).isFalse();
    byte[] bytes = Files.readAllBytes(p);
    bytes[(int) (pickle.dataOffset() + pickle.compressedSize() / 2)] ^= 0x10;
    Files.write(p, bytes);
    assertOpenFails(p).hasMessageContaining("views/data.pkl");
  }

  @Test
  void corruptedPicklesInValidArchivesFailCleanlyOrReadSafely() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(fixture("views.bin").toFile())) {
      for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
        ZipEntry e = it.nextElement();
        entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
      }
    }
    byte[] pickle = entries.get("views/data.pkl");
    Random random = new Random(16);
    Path p = dir.resolve("mutated.bin");
    for (int trial = 0; trial < 200; trial++) {
      byte[] bad = pickle.clone();
      bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
      AlignedZipWriter zip = new AlignedZipWriter(false);
      entries.forEach((name, data) -> zip.add(name, name.endsWith("data.pkl") ? bad : data));
      zip.write(p);
      try (PyTorchFile f = PyTorchFile.open(p);
          TensorScope scope = TensorScope.open()) {
        f.tensors().forEach(t -> assertThat(f.tensor(t.name()).numel()).isEqualTo(t.numel()));
      } catch (CheckpointException e) {
        assertThat(e.file()).isEqualTo(p);
      }
    }
  }

  /**
   * Copies a zip with {@code java.util.zip}, every entry in {@code method}, leaving out {@code
   * drop}.
   */
  static void rezip(Path from, Path to, int method, String drop) throws IOException {
    try (ZipFile in = new ZipFile(from.toFile());
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
      for (Enumeration<? extends ZipEntry> it = in.entries(); it.hasMoreElements(); ) {
        ZipEntry e = it.nextElement();
        if (e.getName().equals(drop)) {
          continue;
        }
        byte[] data = in.getInputStream(e).readAllBytes();
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setMethod(method);
        if (method == ZipEntry.STORED) {
          CRC32 crc = new CRC32();
          crc.update(data);
          copy.setSize(data.length);
          copy.setCompressedSize(data.length);
          copy.setCrc(crc.getValue());
        }
        out.putNextEntry(copy);
        out.write(data);
        out.closeEntry();
      }
    }
  }
}
