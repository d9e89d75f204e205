package io.lntune.training.analysis;

import static org.bytedeco.pytorch.global.torch.stack;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * How alike a model's layers are, from their pooled hidden states on the same N samples ({@link
 * LayerStates}): the paper's argument that a model whose layers are less alike is more expressive.
 * Two measures, each an L x L matrix (symmetric, 1 on the diagonal) and its mean over the L(L-1)/2
 * pairs of distinct layers:
 *
 * <ul>
 *   <li><b>cosine</b>: for each sample, the cosine between two layers' pooled states, averaged over
 *       the samples;
 *   <li><b>linear CKA</b> (Kornblith et al., 2019): with {@code X_l} the N x D pooled states of
 *       layer {@code l}, centred over the samples, and {@code K_l = X_l X_l^T}, {@code CKA(i, j) =
 *       <K_i, K_j> / (|K_i| |K_j|)} (Frobenius). It is blind to rotations and scalings of a layer's
 *       states, which cosine is not. It is biased upwards when D is not small against N (for
 *       independent random states its mean is D / (N + D)), so compare CKA values at equal N and D:
 *       the same backbone on the same samples.
 * </ul>
 *
 * <pre>{@code
 * LayerSimilarity s = LayerSimilarity.of(pooled);      // pooled [N, L, D] from LayerStates.pooled
 * s.meanCosine(); s.meanCka(); s.cka()[0][3];
 * }</pre>
 *
 * <p>Costs L x N x N doubles of native memory for the Gram matrices (256 MiB for 32 layers and
 * 1,000 samples).
 *
 * @param samples N, the number of samples measured
 * @param cosine the cosine matrix [L][L]
 * @param cka the linear-CKA matrix [L][L]
 */
public record LayerSimilarity(int samples, double[][] cosine, double[][] cka) {
  /**
   * Samples whose cosines are computed in one batched product (bounds the float64 copy to 64 x L x
   * D).
   */
  private static final int CHUNK = 64;

  /**
   * {@return both measures of {@code pooled}}
   *
   * @param pooled [N, L, D], any floating dtype, on the CPU: sample by layer by width
   * @throws IllegalArgumentException if there are fewer than 2 samples or 2 layers, or a layer's
   *     state is the same for every sample (CKA is undefined then)
   */
  public static LayerSimilarity of(Tensor pooled) {
    if (pooled.dim() != 3 || pooled.size(0) < 2 || pooled.size(1) < 2) {
      throw new IllegalArgumentException(
          "layer similarity needs pooled states [samples >= 2, layers >= 2, width], "
              + "got "
              + Tensors.shape(pooled));
    }
    try (TensorScope scope = TensorScope.open()) {
      return new LayerSimilarity((int) pooled.size(0), matrix(cosine(pooled)), matrix(cka(pooled)));
    }
  }

  /** {@return the number of layers, L} */
  public int layers() {
    return cosine.length;
  }

  /** {@return the mean cosine over the pairs of distinct layers} */
  public double meanCosine() {
    return meanOfPairs(cosine);
  }

  /** {@return the mean linear CKA over the pairs of distinct layers} */
  public double meanCka() {
    return meanOfPairs(cka);
  }

  /** {@return the mean of {@code m}'s entries above the diagonal: over the pairs {@code i < j}} */
  public static double meanOfPairs(double[][] m) {
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < m.length; i++) {
      for (int j = i + 1; j < m.length; j++) {
        sum += m[i][j];
        pairs++;
      }
    }
    return sum / pairs;
  }

  /** The per-sample cosine between every two layers, averaged over the samples: [L, L]. */
  private static Tensor cosine(Tensor pooled) {
    long n = pooled.size(0);
    Tensor sum = null;
    for (long from = 0; from < n; from += CHUNK) {
      Tensor x =
          pooled.narrow(0, from, Math.min(CHUNK, n - from)).to(ScalarType.Double); // [c, L, D]
      Tensor norms =
          x.mul(x).sum(new long[] {-1}, true, new ScalarTypeOptional()).sqrt(); // [c, L, 1]
      Tensor unit = x.div(norms.clamp_min(new Scalar(Double.MIN_NORMAL))); // zero stays zero
      Tensor cos =
          unit.bmm(unit.transpose(1, 2))
              .sum(new long[] {0}, false, new ScalarTypeOptional()); // [L, L]
      sum = sum == null ? cos : sum.add(cos);
    }
    return sum.div(new Scalar((double) n));
  }

  /** Linear CKA between every two layers over the samples: [L, L]. */
  private static Tensor cka(Tensor pooled) {
    TensorVector grams = new TensorVector();
    for (long l = 0; l < pooled.size(1); l++) {
      Tensor x = pooled.select(1, l).to(ScalarType.Double); // [N, D]
      Tensor centred = x.sub(x.mean(new long[] {0}, true, new ScalarTypeOptional()));
      Tensor gram = centred.mm(centred.t()).flatten(); // [N * N]
      double norm = gram.mul(gram).sum().sqrt().item_double();
      if (!(norm > 0)) {
        throw new IllegalArgumentException(
            "layer "
                + l
                + "'s pooled state is the same for all "
                + pooled.size(0)
                + " samples: CKA is undefined");
      }
      grams.push_back(gram.div(new Scalar(norm)));
    }
    Tensor g = stack(grams); // [L, N * N]
    return g.mm(g.t()); // [L, L]
  }

  private static double[][] matrix(Tensor square) {
    int l = (int) square.size(0);
    double[] flat = new double[l * l];
    new DoublePointer(square.contiguous().data_ptr()).get(flat);
    double[][] out = new double[l][];
    for (int i = 0; i < l; i++) {
      out[i] = Arrays.copyOfRange(flat, i * l, (i + 1) * l);
    }
    return out;
  }
}
