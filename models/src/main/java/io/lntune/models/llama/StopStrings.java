package io.lntune.models.llama;

import io.lntune.models.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

/**
 * Stops a sequence once its decoded text holds one of the stop strings, as LLaVA's {@code
 * KeywordsStoppingCriteria} does (e.g. {@code "###"} for the v0 template, {@code "\n"} for plain),
 * and cuts the text at the first stop string. Ids outside the tokenizer's vocabulary (rows a model
 * added beyond it) decode to nothing.
 *
 * <pre>{@code
 * StopStrings stop = new StopStrings(tokenizer, List.of("###"));
 * List<Generator.Output> out = Generator.generate(model, embeds, padding, config, stop);
 * String answer = stop.text(out.get(0).tokens());   // decoded, cut before "###"
 * }</pre>
 *
 * @param tokenizer decodes the generated ids
 * @param stops the stop strings, each non-empty (may be empty: then only {@link #text} is of use)
 */
public record StopStrings(Tokenizer tokenizer, List<String> stops) implements StopCriterion {
  public StopStrings {
    stops = List.copyOf(stops);
    if (stops.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("stop strings must not be empty, got " + stops);
    }
  }

  @Override
  public boolean isDone(int sequence, long[] tokens) {
    String text = decode(tokens);
    return stops.stream().anyMatch(text::contains);
  }

  /** {@return the text of {@code tokens}, cut before the first stop string it holds} */
  public String text(long[] tokens) {
    return cut(decode(tokens), 0);
  }

  /**
   * {@return {@code prompt} and its continuation {@code tokens} as the tokenizer decodes the whole
   * sequence, cut before the first stop string that starts in the continuation} A continuation
   * decoded on its own would lose the space its first piece starts with ("Hello world" + "lum"
   * instead of "Hello world lum").
   */
  public String textAfter(long[] prompt, long[] tokens) {
    return cut(
        decode(LongStream.concat(Arrays.stream(prompt), Arrays.stream(tokens)).toArray()),
        decode(prompt).length());
  }

  private String cut(String text, int from) {
    int cut = text.length();
    for (String s : stops) {
      int at = text.indexOf(s, from);
      if (at >= 0) {
        cut = Math.min(cut, at);
      }
    }
    return text.substring(0, cut);
  }

  private String decode(long[] tokens) {
    int vocab = tokenizer.vocabSize();
    return tokenizer.decode(
        Arrays.stream(tokens)
            .filter(t -> t >= 0 && t < vocab)
            .mapToInt(Math::toIntExact)
            .toArray());
  }
}
