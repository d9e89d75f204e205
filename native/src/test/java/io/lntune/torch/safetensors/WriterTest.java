package io.lntune.torch.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.DType;
import io.lntune.torch.TensorScopeExtension;
import io.lntune.torch.TestTensors;
import io.lntune.torch.Torch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TensorScopeExtension.class)
class WriterTest {
  @TempDir Path dir;

  @BeforeEach
  void seed() {
    Torch.seed(7);
  }

  @Test
  void anyLayoutRoundTrips() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("transposed", randn(3, 5).t()); // non-contiguous
    tensors.put("bf16", randn(4, 6).to(ScalarType.BFloat16));
    tensors.put("sliced", randn(8, 8).narrow(1, 2, 3)); // non-contiguous, offset storage
    tensors.put("ids", arange(new Scalar(10L))); // I64
    tensors.put("mask", randn(7).gt(new Scalar(0.0))); // BOOL
    tensors.put("half", randn(3).to(ScalarType.Half));
    tensors.put("scalar", randn(new long[0]));
    tensors.put("empty", randn(0, 3));
    Path file = dir.resolve("out.safetensors");
    SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "note", "ünïcode"));

    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.tensors())
          .extracting(TensorInfo::name)
          .containsExactlyElementsOf(tensors.keySet());
      assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("note", "ünïcode");
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        Tensor back = f.tensor(e.getKey());
        assertThat(DType.of(back.scalar_type()))
            .as(e.getKey())
            .isEqualTo(DType.of(e.getValue().scalar_type()));
        assertThat(TestTensors.shape(back))
            .as(e.getKey())
            .containsExactly(TestTensors.shape(e.getValue()));
        assertThat(TestTensors.bytes(back))
            .as(e.getKey())
            .isEqualTo(TestTensors.bytes(e.getValue()));
      }
    }
  }

  @Test
  void theFileIsReadableByAllLikeItsSiblingsNotPrivateLikeATemporary() throws IOException {
    Path file = dir.resolve("shared.safetensors");
    SafetensorsWriter.write(file, Map.of("x", randn(3)));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void headerIsPaddedSoTensorsAreAligned() throws IOException {
    Path file = dir.resolve("a.safetensors");
    SafetensorsWriter.write(file, Map.of("x", randn(3)));
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getLong() % 8).isZero();
  }

  @Test
  void cudaAndConvertedReadsGoThroughTheDtype() {
    Path file = dir.resolve("b.safetensors");
    Tensor x = randn(2, 3);
    SafetensorsWriter.write(file, Map.of("x", x));
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Tensor bf = f.tensor("x", DType.BF16);
      assertThat(DType.of(bf.scalar_type())).isEqualTo(DType.BF16);
      assertThat(TestTensors.doubles(bf))
          .containsExactly(TestTensors.doubles(x.to(ScalarType.BFloat16)));
    }
  }

  @Test
  void failureLeavesTheOldFileAndNoTemporary() throws IOException {
    Path file = dir.resolve("keep.safetensors");
    SafetensorsWriter.write(file, Map.of("old", randn(2)));
    byte[] before = Files.readAllBytes(file);

    Map<String, Tensor> bad = new LinkedHashMap<>();
    bad.put("fine", randn(2));
    bad.put("broken", new Tensor()); // undefined
    assertThatThrownBy(() -> SafetensorsWriter.write(file, bad))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("tensor 'broken' is undefined");

    Tensor meta = randn(new long[] {2}, new TensorOptions(new org.bytedeco.pytorch.Device("meta")));
    assertThatThrownBy(() -> SafetensorsWriter.write(file, Map.of("meta", meta)))
        .isInstanceOf(io.lntune.torch.LntuneException.class)
        .hasMessageContaining("tensor 'meta'");

    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void reservedNamesAreRefused() {
    assertThatThrownBy(
            () ->
                SafetensorsWriter.write(
                    dir.resolve("c.safetensors"), Map.of("__metadata__", randn(1))))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining("reserved");
  }

  @Test
  void tensorsSplitIntoManyWritesReassembleExactly() {
    // Real chunks are 1 GiB (a ByteBuffer's limit is 2 GiB); 7-byte chunks exercise the same
    // arithmetic.
    Path file = dir.resolve("chunked.safetensors");
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("a", randn(5, 3));
    tensors.put("b", randn(4).to(ScalarType.BFloat16));
    SafetensorsWriter.write(file, tensors, Map.of(), 7);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        assertThat(TestTensors.bytes(f.tensor(e.getKey())))
            .isEqualTo(TestTensors.bytes(e.getValue()));
      }
    }
  }

  @Test
  void moreBuffersThanOneGatheringWriteTakesAreAllWritten() {
    // Linux takes at most 1024 buffers per writev: 300 tensors in 4-byte chunks make 2702, so the
    // writer must go on from wherever each call stopped, mid-tensor included.
    Path file = dir.resolve("many.safetensors");
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      tensors.put("t" + i, randn(i % 5 + 1, 3));
    }
    SafetensorsWriter.write(file, tensors, Map.of(), 4);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.tensors()).hasSize(300);
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        assertThat(TestTensors.bytes(f.tensor(e.getKey())))
            .as(e.getKey())
            .isEqualTo(TestTensors.bytes(e.getValue()));
      }
    }
  }
}
