package io.lntune.models.llama;

/**
 * Decides whether a sequence is finished after each generated token, besides the end-of-sequence
 * token and the length limit: {@link StopStrings} ends a sequence once its text holds a stop
 * string.
 *
 * <pre>{@code
 * StopCriterion afterTen = (sequence, tokens) -> tokens.length >= 10;
 * Generator.generate(model, embeds, padding, GenerationConfig.greedy(64), afterTen);
 * }</pre>
 */
@FunctionalInterface
public interface StopCriterion {
  /** Never stops a sequence. */
  StopCriterion NEVER = (sequence, tokens) -> false;

  /**
   * @param sequence the sequence's index in the batch
   * @param tokens the tokens generated for it so far (never the prompt)
   * @return whether the sequence is finished
   */
  boolean isDone(int sequence, long[] tokens);
}
