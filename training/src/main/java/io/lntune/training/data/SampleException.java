package io.lntune.training.data;

import io.lntune.torch.LntuneException;

/**
 * A sample that cannot be used, with its id and what is wrong with it. The data pipeline skips such
 * a sample with a warning, or fails, as its {@link BadRowPolicy} says.
 *
 * <pre>{@code
 * try {
 *   template.tokenize(sample, tokenizer);
 * } catch (SampleException e) {
 *   e.sampleId();   // "000000215677"
 *   e.problem();    // MALFORMED_CONVERSATION
 * }
 * }</pre>
 */
public class SampleException extends LntuneException {
  private static final long serialVersionUID = 1L;

  private final String sampleId;
  private final BadRow problem;

  public SampleException(String sampleId, BadRow problem, String detail) {
    this(sampleId, problem, detail, null);
  }

  public SampleException(String sampleId, BadRow problem, String detail, Throwable cause) {
    super("sample " + sampleId + ": " + problem.describe() + ": " + detail, cause);
    this.sampleId = sampleId;
    this.problem = problem;
  }

  public String sampleId() {
    return sampleId;
  }

  public BadRow problem() {
    return problem;
  }
}
