package io.lntune.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.List;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdamWTest {
  /**
   * Three steps with weight decay and a warm-up factor equal libtorch's own AdamW on the same
   * gradients, through libtorch's fused kernel and as separate operations; with a gradient factor,
   * libtorch's AdamW on the gradients multiplied by it.
   */
  @ParameterizedTest
  @CsvSource({"true, 1", "false, 1", "true, 0.3", "false, 0.3"})
  void matchesLibtorchAdamW(boolean fuse, double gradientFactor) {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.1, 3);
    TrainableParameters ours =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    Trainable norm = ours.all().get(0);
    Tensor reference;
    try (NoGradGuard g = new NoGradGuard()) {
      reference = norm.master().clone().requires_grad_(true);
    }
    AdamW adam = new AdamW(0.8, 0.95, 1e-6, fuse);
    adam.addGroup("norms", 0.05, 0.1, List.of(norm));
    AdamWOptions options = new AdamWOptions(0.05);
    options.weight_decay().put(0.1);
    options.eps().put(1e-6);
    options.betas().put(0, 0.95).put(1, 0.8); // the binding stores (beta1, beta2) reversed
    org.bytedeco.pytorch.AdamW theirs =
        new org.bytedeco.pytorch.AdamW(new TensorVector(reference), options);
    Torch.seed(9);
    for (int step = 0; step < 3; step++) {
      try (TensorScope scope = TensorScope.open()) {
        Tensor grad = randn(norm.master().sizes().vec().get()); // d(sum(p * grad))/dp = grad
        norm.param().mul(grad).sum().backward();
        reference.mul(grad.mul(new Scalar(gradientFactor))).sum().backward();
      }
      ours.collectGradients();
      Tensor collected = norm.gradient().clone();
      adam.step(1.0, gradientFactor);
      theirs.step();
      try (TensorScope scope = TensorScope.open()) {
        assertThat(norm.gradient().sub(reference.grad()).abs().max().item_double())
            .as("the gradient afterwards holds the scaled values")
            .isLessThan(1e-6 * collected.abs().max().item_double());
      }
      ours.clearGradients();
      theirs.zero_grad();
    }
    try (TensorScope scope = TensorScope.open()) {
      assertThat(norm.master().sub(reference.detach()).abs().max().item_double()).isLessThan(1e-6);
      assertThat(
              norm.master()
                  .sub(Tensor.create(new float[] {1f}).expand(64))
                  .abs()
                  .max()
                  .item_double())
          .as("three steps moved the gain away from its initial 1")
          .isGreaterThan(0.05);
    }
    model.close();
  }
}
