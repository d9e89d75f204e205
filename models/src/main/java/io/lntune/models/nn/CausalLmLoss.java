package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Next-token cross-entropy: position t's logits predict label t+1; labels of -100 (prompt, image,
 * padding) are not supervised. Returns the sum and the count rather than the mean, so that losses
 * over micro-batches of different sizes combine into the mean over all their tokens.
 */
public final class CausalLmLoss {
  /** Labels with this value are ignored, as in PyTorch and LLaVA. */
  public static final long IGNORE_INDEX = -100;

  private CausalLmLoss() {}

  /**
   * A batch's loss: the summed cross-entropy over its supervised tokens, and how many there are. A
   * trainer sums both over the micro-batches of a step, so the step's loss is the mean over all its
   * supervised tokens, however they fall into micro-batches.
   *
   * @param sum scalar tensor, the sum of per-token cross-entropy (positions labelled -100
   *     excluded), with a graph
   * @param tokens the number of supervised tokens
   */
  public record Result(Tensor sum, long tokens) {}

  /**
   * {@return the summed next-token loss of {@code logits} against {@code labels}, and the
   * supervised token count}
   *
   * @param logits [B, T, vocab]
   * @param labels [B, T] int64, {@link #IGNORE_INDEX} where unsupervised
   */
  public static Result of(Tensor logits, Tensor labels) {
    long t = logits.size(1);
    long vocab = logits.size(2);
    Tensor predicted =
        logits.narrow(1, 0, t - 1).reshape(-1, vocab).to(ScalarType.Float); // [B*(T-1), V]
    Tensor targets = labels.narrow(1, 1, t - 1).reshape(-1); // [B*(T-1)]
    long tokens = targets.ne(new Scalar(IGNORE_INDEX)).sum().item_long();
    Tensor sum =
        cross_entropy_loss(
            predicted, targets, new TensorOptional(), /*reduction sum=*/ 2, IGNORE_INDEX, 0.0);
    return new Result(sum, tokens);
  }
}
