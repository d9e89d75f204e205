package io.lntune.training.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.AtomicFiles;
import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The JSON files of the exports: written pretty-printed and atomically, read into objects. */
final class ExportJson {
  static final ObjectMapper JSON = new ObjectMapper();

  private ExportJson() {}

  /** Writes {@code node} to {@code file}, which appears complete or not at all. */
  static void write(Path file, JsonNode node) {
    try {
      AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  /**
   * {@return the JSON object in {@code file}, or an empty object when there is no such file}
   *
   * @throws LntuneException if the file is not a JSON object
   */
  static ObjectNode readObject(Path file) {
    if (!Files.isRegularFile(file)) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n instanceof ObjectNode) {
        return (ObjectNode) n;
      }
      throw new LntuneException(file + ": expected a JSON object");
    } catch (IOException e) {
      throw new LntuneException(file + ": cannot read it as JSON: " + e.getMessage(), e);
    }
  }
}
