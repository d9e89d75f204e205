package io.lntune.training.optim;

import static org.bytedeco.pytorch.global.torch.linalg_vector_norm;

import io.lntune.torch.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Scales gradients so that their global L2 norm is at most a limit, as {@code clip_grad_norm_}
 * does, together with any factor they take first (a mean's): one pass over the gradients where the
 * two scalings, one after the other, would make two. {@link #measure} leaves the scaling to the
 * optimizer, whose fused kernel applies it as it reads each gradient.
 *
 * <pre>{@code
 * double norm = GradientClipping.clip(trainables, 1.0 / tokens, 1.0); // the mean's norm, clipped to 1
 *
 * GradientClipping.Clip clip = GradientClipping.measure(trainables, 1.0 / tokens, 1.0);
 * optimizer.step(lrFactor, clip.factor()); // the same update, one pass fewer
 * }</pre>
 */
public final class GradientClipping {
  // Constants of every call, made once and never freed.
  private static final Scalar TWO = TensorScope.unscoped(new Scalar(2.0));
  private static final LongArrayRefOptional ALL_DIMS =
      TensorScope.unscoped(new LongArrayRefOptional());
  private static final ScalarTypeOptional OWN_DTYPE =
      TensorScope.unscoped(new ScalarTypeOptional());

  /**
   * The gradients' global norm and what clipping makes of them.
   *
   * @param norm the global norm after the scale and before clipping (NaN or infinite if a gradient
   *     is)
   * @param factor what every gradient is to be multiplied by: the scale, times {@code maxNorm /
   *     (norm + 1e-6)} where the norm exceeds the limit
   */
  public record Clip(double norm, double factor) {}

  private GradientClipping() {}

  /**
   * Multiplies every gradient by {@code scale} and then, if their global norm exceeds {@code
   * maxNorm}, by {@code maxNorm / (norm + 1e-6)}, in a single multiplication each.
   *
   * @param scale the factor every gradient takes first (a mean's {@code 1 / tokens}), {@code > 0}
   * @param maxNorm the limit; {@code Double.POSITIVE_INFINITY} measures without clipping
   * @return the global norm after {@code scale} and before clipping (NaN or infinite if a gradient
   *     is; the gradients then take {@code scale} alone)
   * @throws IllegalArgumentException if {@code scale} is not positive and finite
   */
  public static double clip(List<Trainable> trainables, double scale, double maxNorm) {
    Clip clip = measure(trainables, scale, maxNorm);
    if (clip.factor() != 1) {
      try (TensorScope scope = TensorScope.open();
          NoGradGuard g = new NoGradGuard()) {
        Scalar by = new Scalar(clip.factor());
        for (int i = 0; i < trainables.size(); i++) {
          Tensor grad = trainables.get(i).gradient();
          if (grad != null) {
            grad.mul_(by);
          }
        }
      }
    }
    return clip.norm();
  }

  /**
   * {@link #clip} without touching the gradients: their norm after {@code scale}, and the factor
   * that {@code clip} would multiply them by (with a non-finite norm, {@code scale} alone).
   *
   * @throws IllegalArgumentException if {@code scale} is not positive and finite
   */
  public static Clip measure(List<Trainable> trainables, double scale, double maxNorm) {
    if (!(scale > 0 && Double.isFinite(scale))) {
      throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
    }
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      double sumSquares = 0;
      for (int i = 0; i < trainables.size(); i++) {
        Tensor grad = trainables.get(i).gradient();
        if (grad != null) {
          // Each tensor's norm in the gradient's dtype (fp32: the masters'), as clip_grad_norm_
          // computes it. Asking for a double result would convert the gradient to a double copy
          // first: 50 MB of fresh memory per 8192 x 768 embedding, every step.
          double norm = linalg_vector_norm(grad, TWO, ALL_DIMS, false, OWN_DTYPE).item_double();
          sumSquares += norm * norm;
        }
      }
      double norm = scale * Math.sqrt(sumSquares);
      double coefficient = maxNorm / (norm + 1e-6);
      return new Clip(norm, Double.isFinite(norm) && coefficient < 1 ? scale * coefficient : scale);
    }
  }
}
