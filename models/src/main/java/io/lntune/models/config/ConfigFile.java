package io.lntune.models.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face {@code config.json} (or a section of one, such as {@code vision_config}) with
 * typed getters whose errors name the file and the field.
 *
 * <pre>{@code
 * ConfigFile c = ConfigFile.read(dir.resolve("config.json"));
 * long hidden = c.requireLong("hidden_size");
 * double theta = c.optDouble("rope_theta").orElse(10000.0);
 * ConfigFile vision = c.section("vision_config");
 * }</pre>
 */
public final class ConfigFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String where;
  private final JsonNode root;

  private ConfigFile(String where, JsonNode root) {
    this.where = where;
    this.root = root;
  }

  /**
   * @throws ConfigException if the file is missing, unreadable, not JSON or not a JSON object
   */
  public static ConfigFile read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file, "is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(file + ": expected a JSON object");
    }
    return new ConfigFile(file.toString(), root);
  }

  /** Wraps an already parsed object; {@code where} names it in messages. */
  public static ConfigFile of(String where, JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new ConfigException(where + ": expected a JSON object");
    }
    return new ConfigFile(where, root);
  }

  /**
   * {@return the nested object {@code field}} @throws ConfigException if absent or not an object
   */
  public ConfigFile section(String field) {
    JsonNode n = root.get(field);
    if (n == null || !n.isObject()) {
      throw error(field, "expected an object", n);
    }
    return new ConfigFile(where + " (" + field + ")", n);
  }

  public Optional<ConfigFile> optSection(String field) {
    JsonNode n = present(field);
    return n == null ? Optional.empty() : Optional.of(section(field));
  }

  /** {@return a copy of the underlying JSON object} */
  public ObjectNode raw() {
    return ((ObjectNode) root).deepCopy();
  }

  public boolean has(String field) {
    return present(field) != null;
  }

  public long requireLong(String field) {
    return optLong(field).orElseThrow(() -> error(field, "is required (an integer)", null));
  }

  public Optional<Long> optLong(String field) {
    JsonNode n = present(field);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw error(field, "expected an integer", n);
    }
    return Optional.of(n.longValue());
  }

  /**
   * {@return {@code field} as an int, checked as a long against {@code [min, max]} before it is
   * narrowed} (A value such as 2^32 + 2 would otherwise become 2.)
   *
   * @throws ConfigException if absent, not an integer, or out of range
   */
  public int requireInt(String field, int min, int max) {
    return optInt(field, min, max)
        .orElseThrow(() -> error(field, "is required (an integer)", null));
  }

  /**
   * {@return {@code field} as an int in {@code [min, max]}, if present} @throws ConfigException as
   * requireInt
   */
  public Optional<Integer> optInt(String field, int min, int max) {
    Optional<Long> value = optLong(field);
    if (value.isPresent() && (value.get() < min || value.get() > max)) {
      throw error(
          field,
          min == 1 && max == Integer.MAX_VALUE
              ? "must be a positive int"
              : "expected an integer from " + min + " to " + max,
          present(field));
    }
    return value.map(Math::toIntExact);
  }

  public Optional<Double> optDouble(String field) {
    JsonNode n = present(field);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isNumber()) {
      throw error(field, "expected a number", n);
    }
    return Optional.of(n.doubleValue());
  }

  public Optional<Boolean> optBoolean(String field) {
    JsonNode n = present(field);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isBoolean()) {
      throw error(field, "expected true or false", n);
    }
    return Optional.of(n.booleanValue());
  }

  public Optional<String> optString(String field) {
    JsonNode n = present(field);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      throw error(field, "expected a string", n);
    }
    return Optional.of(n.textValue());
  }

  /** {@return the raw node of {@code field}, absent when missing or JSON null} */
  public Optional<JsonNode> node(String field) {
    return Optional.ofNullable(present(field));
  }

  private JsonNode present(String field) {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? null : n;
  }

  /** {@return an exception naming this file and {@code field}} */
  public ConfigException error(String field, String problem, JsonNode value) {
    return new ConfigException(
        where + ": field '" + field + "' " + problem + (value == null ? "" : ", got " + value));
  }

  @Override
  public String toString() {
    return where;
  }
}
