package io.lntune.torch.pytorch;

import static io.lntune.torch.pytorch.FixtureFileTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.DType;
import io.lntune.torch.TensorScopeExtension;
import io.lntune.torch.TestTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same archive laid out as other zip writers lay it out reads back the same: compressed
 * (copied), stored at unaligned offsets (copied), in full zip64 form as archives over 4 GiB are
 * (mapped).
 */
@ExtendWith(TensorScopeExtension.class)
class ArchiveLayoutTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"every_dtype.bin", "views.bin"})
  void deflatedAndUnalignedCopiesReadTheSame(String name) throws IOException {
    Path deflated = dir.resolve("deflated.bin");
    Path unaligned = dir.resolve("unaligned.bin");
    UnsafeAndMalformedFileTest.rezip(fixture(name), deflated, ZipEntry.DEFLATED, null);
    UnsafeAndMalformedFileTest.rezip(fixture(name), unaligned, ZipEntry.STORED, null);
    assertSameTensors(fixture(name), deflated);
    assertSameTensors(fixture(name), unaligned);
  }

  @Test
  void zip64ArchivesAreMapped() throws IOException {
    Path source = fixture("views.bin");
    Path zip64 = dir.resolve("zip64.bin");
    AlignedZipWriter writer = new AlignedZipWriter(true);
    try (ZipFile zip = new ZipFile(source.toFile())) {
      for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
        ZipEntry e = it.nextElement();
        writer.add(e.getName(), zip.getInputStream(e).readAllBytes());
      }
    }
    writer.write(zip64);
    try (ZipFile jdk = new ZipFile(zip64.toFile())) {
      assertThat(jdk.size()).as("the JDK reads the test's zip64 archive too").isEqualTo(5);
    }
    assertSameTensors(source, zip64);
    try (PyTorchFile f = PyTorchFile.open(zip64)) {
      assertThat(f.tensor("row").data_ptr().address())
          .isEqualTo(f.tensor("base").data_ptr().address() + 12 * 4);
      assertThat(f.tensor("base").data_ptr().address() % 64).isZero();
    }
  }

  @Test
  void theTestWriterRoundTrips() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("w.f32", randn(3, 4));
    tensors.put("w.bf16", randn(2, 5).to(DType.BF16.scalarType()));
    tensors.put("ids", arange(new Scalar(6L)).view(2, 3));
    tensors.put("scalar", randn());
    Path file = dir.resolve("written.bin");
    TorchSaveWriter.write(file, tensors);
    try (PyTorchFile f = PyTorchFile.open(file)) {
      assertThat(f.tensors().stream().map(t -> t.name()).toList())
          .containsExactlyElementsOf(tensors.keySet());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        Tensor t = f.tensor(e.getKey());
        assertThat(TestTensors.shape(t))
            .as(e.getKey())
            .containsExactly(TestTensors.shape(e.getValue()));
        assertThat(TestTensors.bytes(t)).as(e.getKey()).isEqualTo(TestTensors.bytes(e.getValue()));
      }
    }
  }

  private static void assertSameTensors(Path expected, Path actual) {
    try (PyTorchFile want = PyTorchFile.open(expected);
        PyTorchFile got = PyTorchFile.open(actual)) {
      List<String> names = new ArrayList<>();
      want.tensors().forEach(t -> names.add(t.name()));
      assertThat(got.tensors().stream().map(t -> t.name()).toList())
          .containsExactlyElementsOf(names);
      for (String n : names) {
        Tensor w = want.tensor(n);
        Tensor g = got.tensor(n);
        assertThat(g.strides().vec().get()).as(n).containsExactly(w.strides().vec().get());
        assertThat(TestTensors.bytes(g))
            .as(actual.getFileName() + " " + n)
            .isEqualTo(TestTensors.bytes(w));
      }
    }
  }
}
