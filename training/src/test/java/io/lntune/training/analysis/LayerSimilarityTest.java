package io.lntune.training.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.util.Random;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Test;

class LayerSimilarityTest {

  @Test
  void identicalLayersHaveCosineAndCkaOne() {
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(1);
      Tensor pooled = randn(64, 1, 16).expand(64, 4, 16).contiguous();
      LayerSimilarity s = LayerSimilarity.of(pooled);
      assertThat(s.samples()).isEqualTo(64);
      assertThat(s.layers()).isEqualTo(4);
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          assertThat(s.cosine()[i][j]).isCloseTo(1, within(1e-12));
          assertThat(s.cka()[i][j]).isCloseTo(1, within(1e-12));
        }
      }
      assertThat(s.meanCosine()).isCloseTo(1, within(1e-12));
      assertThat(s.meanCka()).isCloseTo(1, within(1e-12));
    }
  }

  /**
   * CKA measures the same representation up to rotation and scale; cosine compares the vectors
   * themselves.
   */
  @Test
  void ckaIgnoresAnOrthogonalMapAndAScaleButCosineDoesNot() {
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(2);
      Tensor x = randn(100, 1, 12);
      Tensor mapped =
          x.flip(new long[] {-1})
              .mul(new Scalar(-2.5)); // reversing and negating coordinates: orthogonal
      LayerSimilarity s = LayerSimilarity.of(cat(new TensorVector(x, mapped), 1));
      assertThat(s.cka()[0][1]).isCloseTo(1, within(1e-12));
      assertThat(Math.abs(s.cosine()[0][1])).isLessThan(0.5);
    }
  }

  /**
   * Independent random layers: the per-sample cosine of two independent isotropic D-vectors has
   * mean 0 and standard deviation 1/sqrt(D), so its mean over N samples has 1/sqrt(N D) = 1/64
   * here; linear CKA of independent Gaussian states has mean D / (N + D) = 0.0154 (standard
   * deviation 0.0027 over 20,000 simulated draws of this size), its upward bias. The bounds are 6
   * standard deviations for cosine and three times the mean (11 standard deviations) for CKA.
   */
  @Test
  void independentRandomLayersAreNearZero() {
    int n = 512;
    int d = 8;
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(3);
      LayerSimilarity s = LayerSimilarity.of(randn(n, 4, d));
      for (int i = 0; i < 4; i++) {
        for (int j = i + 1; j < 4; j++) {
          assertThat(Math.abs(s.cosine()[i][j]))
              .as("cosine %d-%d", i, j)
              .isLessThan(6 / Math.sqrt(n * d));
          assertThat(s.cka()[i][j]).as("CKA %d-%d", i, j).isStrictlyBetween(0.0, 3.0 * d / (n + d));
        }
        assertThat(s.cka()[i][i]).isCloseTo(1, within(1e-12));
      }
    }
  }

  /**
   * The Gram-matrix form against CKA's feature-space form |X_i^T X_j|^2 / (|X_i^T X_i| |X_j^T
   * X_j|), in plain Java.
   */
  @Test
  void matchesTheFeatureSpaceFormulaAndTheCosineOfEachSample() {
    int n = 7;
    int layers = 3;
    int d = 5;
    Random random = new Random(4);
    double[][][] x = new double[layers][n][d];
    double[] flat = new double[n * layers * d];
    for (int s = 0; s < n; s++) {
      for (int l = 0; l < layers; l++) {
        for (int k = 0; k < d; k++) {
          x[l][s][k] = random.nextGaussian() + (l == 2 ? 0.7 * x[0][s][k] : 0);
          flat[(s * layers + l) * d + k] = x[l][s][k];
        }
      }
    }
    try (TensorScope scope = TensorScope.open()) {
      LayerSimilarity got = LayerSimilarity.of(Tensor.create(flat, n, layers, d));
      for (int i = 0; i < layers; i++) {
        for (int j = 0; j < layers; j++) {
          double cosine = 0;
          for (int s = 0; s < n; s++) {
            cosine +=
                dot(x[i][s], x[j][s])
                    / Math.sqrt(dot(x[i][s], x[i][s]) * dot(x[j][s], x[j][s]))
                    / n;
          }
          double[][] ci = centred(x[i]);
          double[][] cj = centred(x[j]);
          double cka =
              frobeniusSquared(cross(ci, cj))
                  / Math.sqrt(frobeniusSquared(cross(ci, ci)) * frobeniusSquared(cross(cj, cj)));
          assertThat(got.cosine()[i][j]).as("cosine %d-%d", i, j).isCloseTo(cosine, within(1e-12));
          assertThat(got.cka()[i][j]).as("CKA %d-%d", i, j).isCloseTo(cka, within(1e-12));
        }
      }
      assertThat(got.meanCka())
          .isCloseTo((got.cka()[0][1] + got.cka()[0][2] + got.cka()[1][2]) / 3, within(1e-15));
    }
  }

  @Test
  void rejectsTooFewSamplesOrLayersAndALayerThatNeverChanges() {
    try (TensorScope scope = TensorScope.open()) {
      assertThatThrownBy(() -> LayerSimilarity.of(randn(1, 3, 4)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("samples >= 2")
          .hasMessageContaining("[1, 3, 4]");
      assertThatThrownBy(() -> LayerSimilarity.of(randn(5, 1, 4)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("layers >= 2");
      Tensor constant = cat(new TensorVector(randn(6, 1, 4), randn(1, 1, 4).expand(6, 1, 4)), 1);
      assertThatThrownBy(() -> LayerSimilarity.of(constant))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("layer 1's pooled state is the same for all 6 samples");
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }

  private static double[][] centred(double[][] x) {
    double[][] out = new double[x.length][x[0].length];
    for (int k = 0; k < x[0].length; k++) {
      double mean = 0;
      for (double[] row : x) {
        mean += row[k] / x.length;
      }
      for (int s = 0; s < x.length; s++) {
        out[s][k] = x[s][k] - mean;
      }
    }
    return out;
  }

  /** {@return a^T b, [D, D]} */
  private static double[][] cross(double[][] a, double[][] b) {
    int d = a[0].length;
    double[][] out = new double[d][d];
    for (int s = 0; s < a.length; s++) {
      for (int p = 0; p < d; p++) {
        for (int q = 0; q < d; q++) {
          out[p][q] += a[s][p] * b[s][q];
        }
      }
    }
    return out;
  }

  private static double frobeniusSquared(double[][] m) {
    double s = 0;
    for (double[] row : m) {
      s += dot(row, row);
    }
    return s;
  }
}
