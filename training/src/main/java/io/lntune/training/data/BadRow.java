package io.lntune.training.data;

/**
 * What can be wrong with a sample of a LLaVA data file. Counted per kind by the data pipeline.
 *
 * <pre>{@code
 * stats.badRows().get(BadRow.MISSING_IMAGE);   // how many samples named an image that does not exist
 * }</pre>
 */
public enum BadRow {
  /** The entry is not an object with an id and a list of {from, value} turns. */
  MALFORMED_ENTRY("malformed entry"),
  /** The turns do not alternate human/gpt, name another speaker, or contain no reply. */
  MALFORMED_CONVERSATION("malformed conversation"),
  /**
   * A reply is empty or blank: LLaVA would render it as a generation prompt and train on nothing.
   */
  EMPTY_REPLY("empty reply"),
  /** The image file does not exist. */
  MISSING_IMAGE("missing image"),
  /** The image file exists but cannot be decoded. */
  UNREADABLE_IMAGE("unreadable image"),
  /** The image path leaves the image root ({@code ../}, absolute paths, links out of it). */
  IMAGE_OUTSIDE_ROOT("image path outside the image root"),
  /**
   * The label arithmetic disagrees with the tokenized prompt, where LLaVA would silently mask the
   * sample.
   */
  TOKENIZATION_MISMATCH("tokenization mismatch"),
  /** The prompt up to the image does not fit the model's maximum length. */
  TOO_LONG("too long");

  private final String description;

  BadRow(String description) {
    this.description = description;
  }

  public String describe() {
    return description;
  }
}
