package io.lntune.models.hub;

import io.lntune.torch.LntuneException;
import java.util.List;

/**
 * A model name pointed nowhere: the message lists every place {@link ModelLocator} looked and why
 * it was not there.
 */
public class ModelNotFoundException extends LntuneException {
  private static final long serialVersionUID = 1L;

  private final List<String> places;

  /**
   * @param name what was looked for
   * @param modelId whether {@code name} is a Hugging Face model id (the message then says how to
   *     fetch it)
   * @param places each place looked at, with why it did not hold the model
   */
  public ModelNotFoundException(String name, boolean modelId, List<String> places) {
    super(
        "'"
            + name
            + "' not found; looked at:\n  "
            + String.join("\n  ", places)
            + (modelId
                ? "\nlntune does not download: fetch it with `huggingface-cli download "
                    + name.replaceFirst("@(.*)", " --revision $1")
                    + "`, or give its directory"
                : ""));
    this.places = List.copyOf(places);
  }

  /** {@return each place looked at, with why it did not hold the model} */
  public List<String> places() {
    return places;
  }
}
