package io.lntune.training.data;

/**
 * A sample made ready by a worker thread, as Java arrays (tensors are made on the consumer's
 * thread, because libtorch's memory scopes are per thread): its tokens and labels and its image's
 * pixels, or what was wrong.
 *
 * @param tokens the template's output, truncated; null when the sample is bad
 * @param pixels the transformed image, or null for a text-only or bad sample
 * @param error what was wrong, or null
 */
record PreparedSample(TokenizedConversation tokens, float[] pixels, SampleException error) {
  static PreparedSample bad(SampleException e) {
    return new PreparedSample(null, null, e);
  }
}
