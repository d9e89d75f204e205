package io.lntune.training.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one entry of a LLaVA JSON file, {@code {"id": ..., "image"?: ..., "conversations":
 * [{"from", "value"}]}}, into a {@link LlavaSample}, checking its shape. {@link LlavaDataset}
 * streams the file and calls this per entry.
 *
 * <pre>{@code
 * LlavaSample s = LlavaJson.sample(new ObjectMapper().readTree(json), 0);
 * }</pre>
 */
public final class LlavaJson {
  private static final List<String> KNOWN = List.of("id", "image", "conversations");

  private LlavaJson() {}

  /**
   * Converts one JSON entry into a sample. Top-level string and number fields besides id, image and
   * conversations are kept in {@link LlavaSample#fields()}.
   *
   * @param index the entry's position in the file, which names it when it has no id
   * @throws SampleException ({@link BadRow#MALFORMED_ENTRY}) for a wrong shape
   */
  public static LlavaSample sample(JsonNode node, int index) {
    String id =
        node.isObject() && node.path("id").isValueNode() ? node.get("id").asText() : "#" + index;
    if (!node.isObject()) {
      throw new SampleException(id, BadRow.MALFORMED_ENTRY, "entry " + index + " is not an object");
    }
    if (!node.path("id").isValueNode()) {
      throw new SampleException(id, BadRow.MALFORMED_ENTRY, "entry " + index + " has no id");
    }
    JsonNode image = node.get("image");
    if (image != null && !image.isTextual()) {
      throw new SampleException(
          id, BadRow.MALFORMED_ENTRY, "'image' must be a string, got " + image);
    }
    JsonNode conv = node.get("conversations");
    if (conv == null || !conv.isArray()) {
      throw new SampleException(
          id, BadRow.MALFORMED_ENTRY, "'conversations' must be a list of turns");
    }
    List<Turn> turns = new ArrayList<>();
    for (JsonNode t : conv) {
      if (!t.path("from").isTextual() || !t.path("value").isTextual()) {
        throw new SampleException(
            id,
            BadRow.MALFORMED_ENTRY,
            "turn " + turns.size() + " must be an object with string 'from' and 'value'");
      }
      turns.add(new Turn(t.get("from").asText(), t.get("value").asText()));
    }
    if (turns.isEmpty()) {
      throw new SampleException(
          id, BadRow.MALFORMED_ENTRY, "'conversations' is empty: there is nothing to train on");
    }
    if (image == null && turns.stream().anyMatch(t -> t.value().contains(LlavaText.IMAGE))) {
      throw new SampleException(
          id,
          BadRow.MALFORMED_ENTRY,
          "has an " + LlavaText.IMAGE + " placeholder in its turns but no " + "'image' field");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    node.fields()
        .forEachRemaining(
            f -> {
              if (f.getValue().isValueNode()
                  && !f.getValue().isNull()
                  && !KNOWN.contains(f.getKey())) {
                fields.put(f.getKey(), f.getValue().asText());
              }
            });
    return new LlavaSample(id, Optional.ofNullable(image).map(JsonNode::asText), turns, fields);
  }
}
