package io.lntune.training.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The kind of instruction data a sample is, for selecting subsets by type ({@link Subset}).
 * LLaVA-Instruct-150K has three kinds, published as three files: {@value #CONVERSATION} ({@code
 * conversation_58k.json}), {@value #DETAIL} (detailed description, {@code detail_23k.json}) and
 * {@value #COMPLEX_REASONING} ({@code complex_reasoning_77k.json}). A sample's type is found by one
 * rule, first match wins:
 *
 * <ol>
 *   <li>its own top-level {@code "type"} field, else its {@code "source"} field, as written (not
 *       blank);
 *   <li>else the name of the file it came from: a name starting with {@code conversation}, {@code
 *       detail} or {@code complex_reasoning} (case-insensitive) gives that type to every sample in
 *       it;
 *   <li>else {@value #UNKNOWN}.
 * </ol>
 *
 * <p>The merged files ({@code llava_instruct_150k.json}, {@code llava_instruct_80k.json}, {@code
 * llava_v1_5_mix665k.json}) have no type field and mix the kinds, and their ids are image ids
 * shared across kinds, so their samples are {@value #UNKNOWN}: take a typed subset from a part
 * file, or add a {@code "type"} field.
 *
 * <pre>{@code
 * String fileType = SampleType.ofFile(Path.of("data/conversation_58k.json"));   // "conversation"
 * String type = SampleType.of(sample, fileType);                                // its "type" field, if it has one
 * }</pre>
 */
public final class SampleType {
  /** Multi-turn questions and answers about the picture. */
  public static final String CONVERSATION = "conversation";

  /** One request for a detailed description of the picture. */
  public static final String DETAIL = "detail";

  /** One question that needs reasoning over the picture, answered step by step. */
  public static final String COMPLEX_REASONING = "complex_reasoning";

  /** The type of a sample that no rule types. */
  public static final String UNKNOWN = "unknown";

  /** LLaVA-Instruct-150K's kinds; each is also the start of its part file's name. */
  public static final List<String> LLAVA_INSTRUCT =
      List.of(CONVERSATION, DETAIL, COMPLEX_REASONING);

  /** The top-level fields that give a sample's type, in the order they are tried. */
  public static final List<String> FIELDS = List.of("type", "source");

  private SampleType() {}

  /**
   * {@return the type that {@code file}'s name gives its samples: one of {@link #LLAVA_INSTRUCT},
   * or {@link #UNKNOWN}}
   */
  public static String ofFile(Path file) {
    Path name = file.getFileName();
    String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    return LLAVA_INSTRUCT.stream().filter(lower::startsWith).findFirst().orElse(UNKNOWN);
  }

  /**
   * {@return {@code sample}'s type: its {@code type} or {@code source} field, else {@code
   * fileType}}
   *
   * @param fileType what {@link #ofFile} says of the sample's file
   */
  public static String of(LlavaSample sample, String fileType) {
    for (String field : FIELDS) {
      String value = sample.fields().get(field);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return fileType;
  }
}
