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
 * does.
 */
public final class GradientClipping {
  // Constants of every call, made once and never freed.
  private static final Scalar TWO = TensorScope.unscoped(new Scalar(2.0));
  private static final LongArrayRefOptional ALL_DIMS =
      TensorScope.unscoped(new LongArrayRefOptional());
  private static final ScalarTypeOptional OWN_DTYPE =
      TensorScope.unscoped(new ScalarTypeOptional());

  private GradientClipping() {}

  /**
   * @param maxNorm the limit; {@code Double.POSITIVE_INFINITY} measures without clipping
   * @return the global norm before clipping (NaN or infinite if a gradient is)
   */
  public static double clip(List<Trainable> trainables, double maxNorm) {
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
      double norm = Math.sqrt(sumSquares);
      double coefficient = maxNorm / (norm + 1e-6);
      if (Double.isFinite(norm) && coefficient < 1) {
        Scalar by = new Scalar(coefficient);
        for (int i = 0; i < trainables.size(); i++) {
          Tensor grad = trainables.get(i).gradient();
          if (grad != null) {
            grad.mul_(by);
          }
        }
      }
      return norm;
    }
  }
}
