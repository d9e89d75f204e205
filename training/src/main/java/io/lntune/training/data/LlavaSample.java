package io.lntune.training.data;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a LLaVA JSON file: {@code {"id": ..., "image": "coco/train2017/x.jpg",
 * "conversations": [...]}}. Text-only entries have no image. Other top-level fields with string or
 * number values are kept in {@code fields}, so samples can be selected by them.
 *
 * <pre>{@code
 * LlavaSample s = new LlavaSample("42", Optional.of("shapes/42.png"),
 *     List.of(new Turn("human", "<image>\nHow many circles?"), new Turn("gpt", "Three.")), Map.of());
 * s.hasImage();   // true
 * }</pre>
 *
 * @param id the sample id, used in every error message about the sample
 * @param image the image path relative to the image root; empty for a text-only sample
 * @param conversations the turns, in order
 * @param fields other top-level fields, as text
 */
public record LlavaSample(
    String id, Optional<String> image, List<Turn> conversations, Map<String, String> fields) {
  /**
   * Checks the sample and copies its lists.
   *
   * @param id the record component {@link #id()}
   * @param image the record component {@link #image()}
   * @param conversations the record component {@link #conversations()}
   * @param fields the record component {@link #fields()}
   * @throws NullPointerException if a component is null
   */
  public LlavaSample {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(image, "image");
    conversations = List.copyOf(conversations);
    fields = Map.copyOf(fields);
  }

  /** {@return whether the sample has an image} */
  public boolean hasImage() {
    return image.isPresent();
  }
}
