package io.lntune.training.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Streams the entries of a LLaVA JSON file ({@code [{id, image?, conversations: [{from, value}]}, ...]}) one at a
 * time with Jackson's streaming parser, so a 665K-entry file is never held in memory at once. An entry that is
 * not a valid sample comes back as a {@link SampleException} in {@link Entry#error()}, so the caller's bad-row
 * policy decides; a file that is not a JSON array fails at once.
 *
 * <pre>{@code
 * try (LlavaJsonReader r = LlavaJsonReader.open(Path.of("llava_v1_5_mix665k.json"))) {
 *   while (r.hasNext()) {
 *     LlavaJsonReader.Entry e = r.next();
 *     if (e.error() == null) use(e.sample());
 *   }
 * }
 * }</pre>
 *
 * <p>Not thread-safe; close it to release the file.
 */
public final class LlavaJsonReader implements Iterator<LlavaJsonReader.Entry>, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final JsonParser parser;
  private int index;
  private boolean atEnd;
  private boolean advanced;

  /**
   * One entry: its position in the file and either the sample or what is wrong with it.
   *
   * @param index the entry's position in the array, from 0
   * @param sample the sample, or null when the entry is bad
   * @param error what is wrong, or null
   */
  public record Entry(int index, LlavaSample sample, SampleException error) {}

  private LlavaJsonReader(Path file, JsonParser parser) {
    this.file = file;
    this.parser = parser;
  }

  /**
   * Opens {@code file} and checks that it starts a JSON array.
   *
   * @throws LntuneException if the file cannot be read or does not hold an array
   */
  public static LlavaJsonReader open(Path file) {
    JsonParser p = null;
    try {
      p = JSON.getFactory().createParser(file.toFile());
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new LntuneException(file + ": a LLaVA data file must hold a JSON array of samples");
      }
      return new LlavaJsonReader(file, p);
    } catch (IOException e) {
      close(p);
      throw new LntuneException(file + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(p);
      throw e;
    }
  }

  @Override
  public boolean hasNext() {
    if (!advanced) {
      try {
        JsonToken t = parser.nextToken();
        atEnd = t == JsonToken.END_ARRAY || t == null;
        if (t == null) {
          throw new LntuneException(file + ": the array is not closed (file truncated?)");
        }
      } catch (IOException e) {
        throw new LntuneException(file + ": invalid JSON after entry " + index + ": " + e.getMessage(), e);
      }
      advanced = true;
    }
    return !atEnd;
  }

  @Override
  public Entry next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    advanced = false;
    int i = index++;
    JsonNode node;
    try {
      node = JSON.readTree(parser);
    } catch (IOException e) {
      throw new LntuneException(file + ": invalid JSON in entry " + i + ": " + e.getMessage(), e);
    }
    try {
      return new Entry(i, sample(node, i), null);
    } catch (SampleException e) {
      return new Entry(i, null, e);
    }
  }

  /**
   * Converts one JSON entry into a sample.
   *
   * @param index the entry's position, which names it when it has no id
   * @throws SampleException ({@link BadRow#MALFORMED_ENTRY}) for a wrong shape
   */
  public static LlavaSample sample(JsonNode node, int index) {
    String id = node.isObject() && node.path("id").isValueNode() ? node.get("id").asText() : "#" + index;
    if (!node.isObject()) {
      throw new SampleException(id, BadRow.MALFORMED_ENTRY, "entry " + index + " is not an object");
    }
    if (!node.path("id").isValueNode()) {
      throw new SampleException(id, BadRow.MALFORMED_ENTRY, "entry " + index + " has no id");
    }
    JsonNode image = node.get("image");
    if (image != null && !image.isTextual()) {
      throw new SampleException(id, BadRow.MALFORMED_ENTRY, "'image' must be a string, got " + image);
    }
    JsonNode conv = node.get("conversations");
    if (conv == null || !conv.isArray()) {
      throw new SampleException(id, BadRow.MALFORMED_ENTRY, "'conversations' must be a list of turns");
    }
    List<Turn> turns = new ArrayList<>();
    for (JsonNode t : conv) {
      if (!t.path("from").isTextual() || !t.path("value").isTextual()) {
        throw new SampleException(id, BadRow.MALFORMED_ENTRY, "turn " + turns.size()
            + " must be an object with string 'from' and 'value'");
      }
      turns.add(new Turn(t.get("from").asText(), t.get("value").asText()));
    }
    Map<String, String> fields = new LinkedHashMap<>();
    node.fields().forEachRemaining(f -> {
      if (f.getValue().isValueNode() && !f.getValue().isNull()
          && !List.of("id", "image", "conversations").contains(f.getKey())) {
        fields.put(f.getKey(), f.getValue().asText());
      }
    });
    return new LlavaSample(id, image == null ? null : image.asText(), turns, fields);
  }

  @Override
  public void close() {
    close(parser);
  }

  private static void close(JsonParser p) {
    if (p != null) {
      try {
        p.close();
      } catch (IOException ignored) {
        // Closing a read-only file: nothing was written, nothing to lose.
      }
    }
  }
}
