package io.lntune.training.eval;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.BiConsumer;

/**
 * Reads benchmark files one record at a time: JSON Lines, or the elements of one array field of a
 * large JSON object (VQA's {@code questions}, COCO's {@code images} and {@code annotations}),
 * without holding the file in memory. Every failure is an {@link EvalDataException} naming the file
 * and the line (JSON Lines) or the element.
 */
final class JsonInput {
  static final ObjectMapper JSON = new ObjectMapper();

  private JsonInput() {}

  /**
   * A record and where it came from, for error messages: {@code file:line} or {@code file:
   * field[i]}.
   */
  record Located(JsonNode node, String where) {
    /**
     * {@return the text field {@code name}} @throws EvalDataException if it is missing or not a
     * scalar
     */
    String text(String name) {
      JsonNode v = node.get(name);
      if (v == null || !v.isValueNode() || v.isNull()) {
        throw new EvalDataException(
            where + ": field '" + name + "' is missing or not a string or number");
      }
      return v.asText();
    }

    /** {@return the field {@code name}} @throws EvalDataException if it is missing */
    JsonNode field(String name) {
      JsonNode v = node.get(name);
      if (v == null || v.isNull()) {
        throw new EvalDataException(where + ": field '" + name + "' is missing");
      }
      return v;
    }
  }

  /** {@return the objects of a JSON Lines file, blank lines skipped} (the iterator reads lazily) */
  static Iterator<Located> lines(Path file) {
    BufferedReader reader = open(file);
    return new Iterator<>() {
      int line;
      Located next = advance();

      private Located advance() {
        try {
          for (String s = reader.readLine(); s != null; s = reader.readLine()) {
            line++;
            if (!s.isBlank()) {
              JsonNode n = parse(s);
              if (!n.isObject()) {
                throw new EvalDataException(
                    file + ":" + line + ": expected a JSON object, got " + n.getNodeType());
              }
              return new Located(n, file + ":" + line);
            }
          }
          reader.close();
          return null;
        } catch (IOException e) {
          throw new EvalDataException(file + ":" + line + ": " + e.getMessage(), e);
        }
      }

      private JsonNode parse(String s) {
        try {
          return JSON.readTree(s);
        } catch (JsonProcessingException e) {
          throw new EvalDataException(
              file + ":" + line + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Located next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        Located out = next;
        next = advance();
        return out;
      }
    };
  }

  /**
   * Calls {@code each} for every element of the top-level array {@code field} of the JSON object in
   * {@code file}.
   *
   * @param scalars told each top-level string or number field as it is met (e.g. VQA's {@code
   *     data_subtype}, which comes before the questions in the official files)
   * @throws EvalDataException if the file is not such an object or lacks the field
   */
  static void forEach(
      Path file,
      String field,
      BiConsumer<Integer, Located> each,
      BiConsumer<String, String> scalars) {
    boolean found = false;
    try (JsonParser p = JSON.createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new EvalDataException(file + ": expected a JSON object with a '" + field + "' array");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals(field) && t == JsonToken.START_ARRAY) {
          found = true;
          int i = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            JsonNode n = p.readValueAsTree();
            String where = file + ": " + field + "[" + i + "]";
            if (!n.isObject()) {
              throw new EvalDataException(
                  where + ": expected a JSON object, got " + n.getNodeType());
            }
            each.accept(i++, new Located(n, where));
          }
        } else if (t.isScalarValue()) {
          scalars.accept(name, p.getValueAsString());
        } else {
          p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new EvalDataException(
          file
              + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
              + ": not valid JSON: "
              + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new EvalDataException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (!found) {
      throw new EvalDataException(file + ": no top-level '" + field + "' array");
    }
  }

  static BufferedReader open(Path file) {
    try {
      return Files.newBufferedReader(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new EvalDataException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
