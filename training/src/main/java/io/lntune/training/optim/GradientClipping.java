package io.lntune.training.optim;

import io.lntune.torch.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** Scales gradients so that their global L2 norm is at most a limit, as {@code clip_grad_norm_} does. */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * @param maxNorm the limit; {@code Double.POSITIVE_INFINITY} measures without clipping
   * @return the global norm before clipping (NaN or infinite if a gradient is)
   */
  public static double clip(List<Trainable> trainables, double maxNorm) {
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      double sumSquares = 0;
      for (Trainable t : trainables) {
        Tensor grad = t.gradient();
        if (grad != null) {
          try (TensorScope perTensor = TensorScope.open()) { // one double copy at a time, freed at once
            sumSquares += grad.to(org.bytedeco.pytorch.global.torch.ScalarType.Double).pow_(new Scalar(2L)).sum()
                .item_double();
          }
        }
      }
      double norm = Math.sqrt(sumSquares);
      double coefficient = maxNorm / (norm + 1e-6);
      if (Double.isFinite(norm) && coefficient < 1) {
        for (Trainable t : trainables) {
          Tensor grad = t.gradient();
          if (grad != null) {
            grad.mul_(new Scalar(coefficient));
          }
        }
      }
      return norm;
    }
  }
}
