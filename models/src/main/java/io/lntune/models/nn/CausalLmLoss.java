package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

import io.lntune.torch.TensorScope;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Next-token cross-entropy: position t's logits predict label t+1; labels of -100 (prompt, image,
 * padding) are not supervised. Returns the sum and the count rather than the mean, so that losses
 * over micro-batches of different sizes combine into the mean over all their tokens.
 *
 * <pre>{@code
 * CausalLmLoss.Result eval = CausalLmLoss.of(model.forward(ids), labels);          // every position's logits
 * CausalLmLoss.Result train = CausalLmLoss.ofSupervised(hidden, labels, model::logits); // the supervised ones'
 * }</pre>
 */
public final class CausalLmLoss {
  /** Labels with this value are ignored, as in PyTorch and LLaVA. */
  public static final long IGNORE_INDEX = -100;

  // Out of any scope: the class may first load inside a TensorScope, whose close would free it.
  private static final Scalar IGNORED = TensorScope.unscoped(new Scalar(IGNORE_INDEX));

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
    Tensor targets = nextLabels(labels); // [B*(T-1)]
    Tensor sum = summed(() -> predicting(logits), targets);
    return new Result(sum, targets.ne(IGNORED).sum().item_long());
  }

  /**
   * {@return the loss {@link #of} computes on {@code head(hidden)}, the head run only at the
   * positions that predict a supervised label} Training needs no other logits, and over a
   * vocabulary they are a step's largest activation: [T, 32000] in fp32 is 125 KiB a position, and
   * in LLaVA data the 576 positions of each image, the prompts and the padding predict nothing.
   *
   * @param hidden [B, T, D], the decoder's last hidden states (after its final norm)
   * @param labels [B, T] int64, {@link #IGNORE_INDEX} where unsupervised
   * @param head maps hidden states [N, D] to logits [N, vocab]
   */
  public static Result ofSupervised(Tensor hidden, Tensor labels, UnaryOperator<Tensor> head) {
    Tensor targets = nextLabels(labels); // [B*(T-1)]
    Tensor supervised = targets.ne(IGNORED).nonzero().squeeze(1); // [N]
    Tensor sum =
        summed(
            () -> head.apply(predicting(hidden).index_select(0, supervised)), // [N, vocab]
            targets.index_select(0, supervised));
    return new Result(sum, supervised.size(0));
  }

  /** {@return the label each position predicts, the next one} [B, T] to [B*(T-1)] */
  private static Tensor nextLabels(Tensor labels) {
    return labels.narrow(1, 1, labels.size(1) - 1).reshape(-1);
  }

  /** {@return the rows of the positions that predict a label: all but the last} [B*(T-1), C] */
  private static Tensor predicting(Tensor rows) {
    return rows.narrow(1, 0, rows.size(1) - 1).reshape(-1, rows.size(2));
  }

  /**
   * {@return the summed cross-entropy of the logits [N, vocab] {@code logits} makes, in fp32,
   * against targets} The logits are made and used in a scope of its own: the backward keeps the
   * fp32 log-probabilities, not the logits nor their fp32 copy, which the caller's scope would
   * otherwise hold until the step ends (over LLaMA's 32000 tokens, 188 KiB a position in bf16 and
   * fp32).
   */
  private static Tensor summed(Supplier<Tensor> logits, Tensor targets) {
    return TensorScope.returning(
        () ->
            cross_entropy_loss(
                logits.get().to(ScalarType.Float),
                targets,
                new TensorOptional(),
                /*reduction sum=*/ 2,
                IGNORE_INDEX,
                0.0));
  }
}
