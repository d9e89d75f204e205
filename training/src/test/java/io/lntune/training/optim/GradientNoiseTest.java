package io.lntune.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class GradientNoiseTest {
  /**
   * Three micro-batches with known gradients, on a bf16 model (fp32 accumulators) and an fp32 one
   * (gradients in place): the statistics equal the variance and norm computed by hand from those
   * gradients.
   */
  @Test
  void equalsAHandComputationOnFixedMicroBatches() {
    for (DType dtype : List.of(DType.BF16, DType.F32)) {
      LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(dtype));
      TrainableParameters trainables =
          TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
      Trainable first = trainables.all().get(0);
      Trainable second = trainables.all().get(1);
      int n = (int) first.master().numel();
      AdamW adam = new AdamW(0.9, 0.999, 1e-8);
      adam.addGroup("first", 1e-3, 0, List.of(first));
      adam.addGroup("second", 1e-3, 0, List.of(second));
      // Micro-batch i's summed loss has gradient c[i][k] at element k of "first" (1 where bf16
      // rounds nothing),
      // and i at every element of "second" only in micro-batches 1 and 2.
      long[] tokens = {2, 4, 8};
      double[][] c = new double[3][n];
      for (int i = 0; i < 3; i++) {
        for (int k = 0; k < n; k++) {
          c[i][k] = (i + 1) * (k % 4 == 0 ? 2 : -1);
        }
      }
      GradientNoise noise = GradientNoise.start(adam.groups());
      for (int i = 0; i < 3; i++) {
        try (TensorScope scope = TensorScope.open()) {
          float[] weights = new float[n];
          for (int k = 0; k < n; k++) {
            weights[k] = (float) c[i][k];
          }
          Tensor loss = first.param().mul(Tensor.create(weights)).sum();
          if (i > 0) {
            loss = loss.add(second.param().sum().mul(new Scalar((double) i)));
          }
          loss.backward();
        }
        trainables.collectGradients();
        noise.afterMicroBatch(tokens[i]);
      }
      Map<String, GradientNoise.Stats> stats = noise.finish(14);

      double[] firstByHand = byHand(c, tokens);
      double[][] s = new double[3][(int) second.master().numel()];
      for (int i = 0; i < 3; i++) {
        Arrays.fill(s[i], i);
      }
      double[] secondByHand = byHand(s, tokens);
      assertThat(stats.keySet()).containsExactly("first", "second", GradientNoise.ALL);
      assertThat(stats.get("first").variance())
          .isCloseTo(firstByHand[0], within(1e-6 * firstByHand[0]));
      assertThat(stats.get("first").norm())
          .isCloseTo(firstByHand[1], within(1e-6 * firstByHand[1]));
      assertThat(stats.get("second").variance())
          .isCloseTo(secondByHand[0], within(1e-6 * secondByHand[0]));
      assertThat(stats.get("first").microBatches()).isEqualTo(3);
      long elements = first.master().numel() + second.master().numel();
      assertThat(stats.get(GradientNoise.ALL).elements()).isEqualTo(elements);
      assertThat(stats.get(GradientNoise.ALL).variance())
          .isCloseTo(
              (firstByHand[0] * first.master().numel() + secondByHand[0] * second.master().numel())
                  / elements,
              within(1e-6 * firstByHand[0]));
      assertThat(stats.get(GradientNoise.ALL).norm())
          .isCloseTo(Math.hypot(firstByHand[1], secondByHand[1]), within(1e-6 * firstByHand[1]));
      model.close();
    }
  }

  @Test
  void oneMicroBatchHasANormButNoVariance() {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
    TrainableParameters trainables =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("norms", 1e-3, 0, trainables.all());
    GradientNoise noise = GradientNoise.start(adam.groups());
    try (TensorScope scope = TensorScope.open()) {
      trainables.all().get(0).param().sum().backward();
    }
    trainables.collectGradients();
    noise.afterMicroBatch(4);
    GradientNoise.Stats all = noise.finish(4).get(GradientNoise.ALL);
    assertThat(all.variance()).isNaN();
    assertThat(all.norm())
        .isCloseTo(Math.sqrt(trainables.all().get(0).master().numel()) / 4, within(1e-9));
    model.close();
  }

  /**
   * {@return the per-element sample variance of g[i] / tokens[i] over i, averaged over elements;
   * and the norm of sum_i g[i] / sum_i tokens[i]}
   */
  private static double[] byHand(double[][] g, long[] tokens) {
    int n = g[0].length;
    double variance = 0;
    double squares = 0;
    long total = 0;
    for (long t : tokens) {
      total += t;
    }
    for (int k = 0; k < n; k++) {
      double mean = 0;
      double sum = 0;
      for (int i = 0; i < g.length; i++) {
        mean += g[i][k] / tokens[i] / g.length;
        sum += g[i][k];
      }
      for (int i = 0; i < g.length; i++) {
        variance += Math.pow(g[i][k] / tokens[i] - mean, 2) / (g.length - 1);
      }
      squares += Math.pow(sum / total, 2);
    }
    return new double[] {variance / n, Math.sqrt(squares)};
  }
}
