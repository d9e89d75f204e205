package io.lntune.torch.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a safetensors file can be broken gives an exception naming the file and tensor, never a
 * crash.
 */
class MalformedFileTest {
  @TempDir Path dir;

  /**
   * A file whose header length field says {@code declared}, followed by {@code header} and {@code
   * data} bytes.
   */
  private Path file(long declared, String header, int data) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + data).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declared).put(json);
    Path p = dir.resolve("bad.safetensors");
    Files.write(p, b.array());
    return p;
  }

  private Path file(String header, int data) throws IOException {
    return file(header.getBytes(StandardCharsets.UTF_8).length, header, data);
  }

  private AbstractThrowableAssert<?, ? extends Throwable> assertOpenFails(Path p) {
    return assertThatThrownBy(() -> SafetensorsFile.open(p).close())
        .isInstanceOf(SafetensorsException.class)
        .hasMessageStartingWith(p.toString() + ": ");
  }

  @Test
  void shorterThanTheLengthField() throws IOException {
    Path p = dir.resolve("tiny.safetensors");
    Files.write(p, new byte[] {1, 2, 3});
    assertOpenFails(p).hasMessageContaining("3 bytes, too short");
  }

  @Test
  void emptyFile() throws IOException {
    Path p = dir.resolve("empty.safetensors");
    Files.write(p, new byte[0]);
    assertOpenFails(p).hasMessageContaining("0 bytes, too short");
  }

  @Test
  void headerLengthPastTheEnd() throws IOException {
    assertOpenFails(file(500, "{}", 0))
        .hasMessageContaining("header length 500 runs past the end of the file");
  }

  @Test
  void absurdHeaderLength() throws IOException {
    assertOpenFails(file(1L << 40, "{}", 0))
        .hasMessageContaining("header length 1099511627776 is absurd");
    assertOpenFails(file(-1L, "{}", 0))
        .hasMessageContaining("header length 18446744073709551615 is absurd");
  }

  @Test
  void invalidJson() throws IOException {
    assertOpenFails(file("{\"a\": {\"dtype\": ", 0))
        .hasMessageContaining("header is not valid JSON");
    assertOpenFails(file("[1, 2]", 0)).hasMessageContaining("header is not a JSON object");
    assertOpenFails(file("{} {}", 0)).hasMessageContaining("content after its JSON object");
  }

  @Test
  void offsetsPastTheEndMeanATruncatedFile() throws IOException {
    Path p = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 12);
    assertOpenFails(p)
        .hasMessageContaining(
            "tensor 'w' has data_offsets [0, 16] past the end of the data section (12 bytes)")
        .hasMessageContaining("truncated");
  }

  @Test
  void overlappingTensors() throws IOException {
    Path p =
        file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            12);
    assertOpenFails(p).hasMessageContaining("tensors 'a' [0, 8] and 'b' [4, 12] overlap");
  }

  @Test
  void holesAndTrailingBytes() throws IOException {
    assertOpenFails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8))
        .hasMessageContaining("bytes [0, 4) of the data section belong to no tensor (before 'a')");
    assertOpenFails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 9))
        .hasMessageContaining("holds 9 bytes but its tensors cover only 4");
  }

  @Test
  void byteSizeNotShapeTimesDtype() throws IOException {
    Path p = file("{\"w\":{\"dtype\":\"BF16\",\"shape\":[3,2],\"data_offsets\":[0,8]}}", 8);
    assertOpenFails(p)
        .hasMessageContaining(
            "tensor 'w' has data_offsets [0, 8] (8 bytes) but shape [3, 2] of BF16 needs 12 bytes");
  }

  @Test
  void unknownDtype() throws IOException {
    Path p = file("{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
    assertOpenFails(p)
        .hasMessageContaining(
            "tensor 'w' has unknown dtype 'Q4_K': expected one of F64, F32, F16, BF16");
  }

  @Test
  void duplicateNames() throws IOException {
    Path p =
        file(
            "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            2);
    assertOpenFails(p).hasMessageContaining("tensor name 'w' appears twice");
  }

  @Test
  void malformedEntries() throws IOException {
    assertOpenFails(file("{\"w\":[1,2]}", 0))
        .hasMessageContaining("tensor 'w' must map to {dtype, shape, data_offsets}");
    assertOpenFails(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1))
        .hasMessageContaining("tensor 'w' has no dtype");
    assertOpenFails(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1))
        .hasMessageContaining(
            "tensor 'w' field shape must be an array of non-negative integers, got [-1]");
    assertOpenFails(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1))
        .hasMessageContaining("field data_offsets must be an array of 2 non-negative integers");
    assertOpenFails(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", 1))
        .hasMessageContaining("field shape must be");
    assertOpenFails(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[1,0]}}", 1))
        .hasMessageContaining("end before they begin");
    assertOpenFails(
            file(
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,1]}}",
                1))
        .hasMessageContaining("shape whose size overflows");
    assertOpenFails(file("{\"__metadata__\":{\"n\":3}}", 0))
        .hasMessageContaining("__metadata__ entry 'n' must be a string");
  }

  @Test
  void missingFile() {
    Path p = dir.resolve("absent.safetensors");
    assertOpenFails(p).hasMessageContaining("no such file");
  }

  @Test
  void exceptionNamesTheTensor() throws IOException {
    Path p =
        file("{\"lm_head.weight\":{\"dtype\":\"XX\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
    assertThatThrownBy(() -> SafetensorsFile.open(p))
        .isInstanceOfSatisfying(
            SafetensorsException.class,
            e -> {
              assertThat(e.file()).isEqualTo(p);
              assertThat(e.tensor()).contains("lm_head.weight");
            });
  }

  @Test
  void unknownTensorNameOnRead() throws IOException {
    Path p = file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertThatThrownBy(() -> f.tensor("v"))
          .isInstanceOf(SafetensorsException.class)
          .hasMessageContaining("no tensor named 'v'");
    }
  }
}
