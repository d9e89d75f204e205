package io.lntune.training.loop;

import org.bytedeco.pytorch.Tensor;

/**
 * A micro-batch's loss: the summed cross-entropy over its supervised tokens, and how many there are. The trainer
 * sums both over the accumulated micro-batches, so the loss of a step is the mean over all its supervised tokens,
 * however they fall into micro-batches.
 *
 * @param sum scalar tensor, the sum of per-token cross-entropy (positions labelled -100 excluded), with a graph
 * @param tokens the number of supervised tokens
 */
public record LossOutput(Tensor sum, long tokens) {}
