package io.lntune.torch.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.DType;
import io.lntune.torch.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of a safetensors file: an 8-byte little-endian length, then that
 * many bytes of JSON mapping each tensor name to {@code {dtype, shape, data_offsets}}, plus an
 * optional {@code __metadata__} map of strings. Validation follows the format's own rules: the data
 * section must be covered exactly, with no overlaps and no holes, and each tensor's byte size must
 * equal its element count times its dtype size.
 *
 * @param tensors the entries in header order
 * @param metadata the {@code __metadata__} strings, empty if absent
 * @param dataStart absolute file offset of the data section
 */
public record SafetensorsHeader(
    List<TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
  /** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  static final String METADATA_KEY = "__metadata__";
  private static final ObjectMapper JSON =
      new ObjectMapper(
          JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  public SafetensorsHeader {
    tensors = List.copyOf(tensors);
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * Reads and validates the header of {@code file}.
   *
   * @throws SafetensorsException naming the file (and tensor) for every way the header can be wrong
   */
  public static SafetensorsHeader read(Path file, FileChannel channel) {
    try {
      long fileSize = channel.size();
      if (fileSize < 8) {
        throw new SafetensorsException(
            file, "file is " + fileSize + " bytes, too short to hold the 8-byte header length");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.flip().getLong();
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw new SafetensorsException(
            file,
            "header length "
                + Long.toUnsignedString(headerLength)
                + " is absurd (at most "
                + MAX_HEADER_BYTES
                + " bytes): not a safetensors file?");
      }
      if (8 + headerLength > fileSize) {
        throw new SafetensorsException(
            file,
            "header length "
                + headerLength
                + " runs past the end of the file ("
                + fileSize
                + " bytes): file truncated?");
      }
      ByteBuffer json = ByteBuffer.allocate((int) headerLength);
      readFully(channel, json, 8);
      return parse(
          file, new String(json.array(), StandardCharsets.UTF_8), 8 + headerLength, fileSize);
    } catch (IOException e) {
      throw new SafetensorsException(file, null, "cannot read: " + e.getMessage(), e);
    }
  }

  private static void readFully(FileChannel channel, ByteBuffer into, long position)
      throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, position + into.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  static SafetensorsHeader parse(Path file, String json, long dataStart, long fileSize) {
    List<TensorInfo> tensors = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new SafetensorsException(file, "header is not a JSON object");
      }
      while (nextTopLevelToken(file, p) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        JsonNode value = p.readValueAsTree();
        if (name.equals(METADATA_KEY)) {
          readMetadata(file, value, metadata);
        } else {
          tensors.add(entry(file, name, value));
        }
      }
      if (p.nextToken() != null) {
        throw new SafetensorsException(file, "header has content after its JSON object");
      }
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new SafetensorsException(file, null, "header is not valid JSON: " + detail, e);
    }
    checkLayout(file, tensors, fileSize - dataStart);
    return new SafetensorsHeader(tensors, metadata, dataStart);
  }

  /**
   * Jackson finds duplicate names (STRICT_DUPLICATE_DETECTION); at the top level they are tensor
   * names.
   */
  private static JsonToken nextTopLevelToken(Path file, JsonParser p) throws IOException {
    try {
      return p.nextToken();
    } catch (JsonParseException e) {
      if (p.getParsingContext().getParent() != null
          && p.getParsingContext().getParent().inRoot()
          && String.valueOf(e.getOriginalMessage()).startsWith("Duplicate")) {
        String name = p.currentName();
        throw new SafetensorsException(
            file, name, "tensor name '" + name + "' appears twice in the header");
      }
      throw e;
    }
  }

  private static void readMetadata(Path file, JsonNode value, Map<String, String> metadata) {
    if (!value.isObject()) {
      throw new SafetensorsException(
          file, METADATA_KEY + " must be an object of strings, got " + value.getNodeType());
    }
    value
        .fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isTextual()) {
                throw new SafetensorsException(
                    file,
                    METADATA_KEY
                        + " entry '"
                        + e.getKey()
                        + "' must be a string, got "
                        + e.getValue().getNodeType());
              }
              metadata.put(e.getKey(), e.getValue().textValue());
            });
  }

  private static TensorInfo entry(Path file, String name, JsonNode value) {
    if (!value.isObject()) {
      throw new SafetensorsException(
          file,
          name,
          "tensor '"
              + name
              + "' must map to {dtype, shape, data_offsets}, got "
              + value.getNodeType());
    }
    JsonNode dtypeNode = value.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafetensorsException(file, name, "tensor '" + name + "' has no dtype string");
    }
    DType dtype =
        DType.fromSafetensors(dtypeNode.textValue())
            .orElseThrow(
                () ->
                    new SafetensorsException(
                        file,
                        name,
                        "tensor '"
                            + name
                            + "' has unknown dtype '"
                            + dtypeNode.textValue()
                            + "': expected one of "
                            + DType.names()));
    long[] shape = longs(file, name, value, "shape", -1);
    long[] offsets = longs(file, name, value, "data_offsets", 2);
    if (offsets[0] > offsets[1]) {
      throw new SafetensorsException(
          file,
          name,
          "tensor '"
              + name
              + "' has data_offsets ["
              + offsets[0]
              + ", "
              + offsets[1]
              + "] that end before they begin");
    }
    long needed;
    try {
      needed = Math.multiplyExact(Tensors.numel(shape), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new SafetensorsException(
          file,
          name,
          "tensor '" + name + "' has a shape whose size overflows: " + Arrays.toString(shape));
    }
    if (needed != offsets[1] - offsets[0]) {
      throw new SafetensorsException(
          file,
          name,
          "tensor '"
              + name
              + "' has data_offsets ["
              + offsets[0]
              + ", "
              + offsets[1]
              + "] ("
              + (offsets[1] - offsets[0])
              + " bytes) but shape "
              + Arrays.toString(shape)
              + " of "
              + dtype
              + " needs "
              + needed
              + " bytes");
    }
    return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
  }

  private static long[] longs(
      Path file, String name, JsonNode entry, String field, int expectedLength) {
    JsonNode node = entry.get(field);
    String expected =
        expectedLength < 0
            ? "an array of non-negative integers"
            : "an array of " + expectedLength + " non-negative integers";
    if (node == null || !node.isArray() || (expectedLength >= 0 && node.size() != expectedLength)) {
      throw new SafetensorsException(
          file,
          name,
          "tensor '" + name + "' field " + field + " must be " + expected + ", got " + node);
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode n = node.get(i);
      if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
        throw new SafetensorsException(
            file,
            name,
            "tensor '" + name + "' field " + field + " must be " + expected + ", got " + node);
      }
      out[i] = n.longValue();
    }
    return out;
  }

  /**
   * The data section must be covered exactly once: no offsets past its end, no overlaps, no holes.
   */
  private static void checkLayout(Path file, List<TensorInfo> tensors, long dataSize) {
    List<TensorInfo> byOffset = new ArrayList<>(tensors);
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long covered = 0;
    TensorInfo previous = null;
    for (TensorInfo t : byOffset) {
      if (t.end() > dataSize) {
        throw new SafetensorsException(
            file,
            t.name(),
            "tensor '"
                + t.name()
                + "' has data_offsets ["
                + t.begin()
                + ", "
                + t.end()
                + "] past the end of the data section ("
                + dataSize
                + " bytes): file truncated?");
      }
      if (t.begin() < covered) {
        throw new SafetensorsException(
            file,
            t.name(),
            "tensors '"
                + previous.name()
                + "' ["
                + previous.begin()
                + ", "
                + previous.end()
                + "] and '"
                + t.name()
                + "' ["
                + t.begin()
                + ", "
                + t.end()
                + "] overlap");
      }
      if (t.begin() > covered) {
        throw new SafetensorsException(
            file,
            t.name(),
            "bytes ["
                + covered
                + ", "
                + t.begin()
                + ") of the data section belong to no tensor (before '"
                + t.name()
                + "')");
      }
      if (t.byteSize() > 0) {
        covered = t.end();
        previous = t;
      }
    }
    if (covered != dataSize) {
      throw new SafetensorsException(
          file,
          "the data section holds "
              + dataSize
              + " bytes but its tensors cover only "
              + covered
              + ": trailing bytes belong to no tensor");
    }
  }
}
