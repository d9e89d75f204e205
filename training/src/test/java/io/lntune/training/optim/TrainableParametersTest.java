package io.lntune.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class TrainableParametersTest {
  /**
   * The fp32 accumulator of a bf16 parameter: micro-batches add up, and after a clear the next step
   * holds its own gradient alone (the first micro-batch overwrites what the cleared step left).
   */
  @Test
  void fp32AccumulatorSumsMicroBatchesAndForgetsClearedSteps() {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.BF16));
    TrainableParameters trainables =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    Trainable norm = trainables.all().get(0);
    assertThat(norm.hasSeparateMaster()).isTrue();
    Torch.seed(4);
    try (TensorScope scope = TensorScope.open()) {
      Tensor first = backward(norm);
      trainables.collectGradients();
      Tensor second = backward(norm);
      trainables.collectGradients(); // a second micro-batch adds, in fp32
      Tensor expected = first.add(second);
      assertThat(maxDifference(norm.gradient(), expected)).isLessThan(1e-6);

      trainables.clearGradients();
      assertThat(norm.gradient()).isNull();
      Tensor fresh = backward(norm);
      trainables.collectGradients();
      assertThat(maxDifference(norm.gradient(), fresh)).isZero();

      trainables.clearGradients();
      Tensor zero = trainables.gradientsForReduction().get(0);
      assertThat(zero.abs().max().item_double()).isZero();
    }
  }

  /** {@return the fp32 value of the bf16 gradient a backward of {@code sum(param * g)} adds} */
  private static Tensor backward(Trainable t) {
    Tensor g = randn(t.param().sizes().vec().get()).to(ScalarType.BFloat16);
    t.param().mul(g).sum().backward();
    try (NoGradGuard guard = new NoGradGuard()) {
      return g.to(ScalarType.Float);
    }
  }

  private static double maxDifference(Tensor a, Tensor b) {
    return a.sub(b).abs().max().item_double();
  }
}
