package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Modules;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.optim.Trainable;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Activation recomputation gives the losses and gradients of the plain backward pass, for every
 * strategy (including LoRA with dropout, whose masks must repeat, and the connector, reached
 * through the spliced embeddings), and leaves the random generator where the plain pass leaves it.
 */
class RecomputationTest {
  private record Pass(double loss, Map<String, Tensor> grads, double nextRandom) {}

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void recomputedGradientsEqualThePlainOnes(Strategy strategy) {
    Pass plain = pass(strategy, false);
    Pass recomputed = pass(strategy, true);
    assertThat(recomputed.loss()).isCloseTo(plain.loss(), offset(1e-6));
    assertThat(recomputed.nextRandom())
        .as("the generator continues as after the plain pass")
        .isEqualTo(plain.nextRandom());
    assertThat(recomputed.grads().keySet()).isEqualTo(plain.grads().keySet());
    try (TensorScope scope = TensorScope.open()) {
      plain
          .grads()
          .forEach(
              (name, g) -> {
                Tensor r = recomputed.grads().get(name);
                assertThat(r.defined())
                    .as(name + " has a gradient in both passes")
                    .isEqualTo(g.defined());
                if (g.defined()) {
                  double diff = r.sub(g).abs().max().item_double();
                  double scale = g.abs().max().item_double();
                  assertThat(diff)
                      .as(strategy + " " + name + " (max |grad| " + scale + ")")
                      .isLessThanOrEqualTo(1e-6);
                }
              });
    }
    assertThat(plain.grads().values().stream().anyMatch(Tensor::defined))
        .as("some gradient exists")
        .isTrue();
  }

  private static Pass pass(Strategy strategy, boolean recompute) {
    LlavaModel model = TinyLlava.random(4);
    if (strategy == Strategy.LORA) {
      Lora.attach(
          model.languageModel().blockLinears(),
          new LoraConfig(4, 8, 0.3, LoraConfig.ALL_BLOCK_LINEARS),
          1);
      try (NoGradGuard g = new NoGradGuard()) {
        Modules.namedParameters(model)
            .forEach(
                (k, v) -> {
                  if (k.endsWith("lora_B.weight")) {
                    v.normal_(0, 0.1, new GeneratorOptional()); // so that A gets a gradient too
                  }
                });
      }
    }
    TrainableParameters t = TrainableParameters.select(model, Selection.of(strategy), true);
    model.train(true);
    Map<String, Tensor> grads = new LinkedHashMap<>();
    try (TensorScope scope = TensorScope.open()) {
      long[] ids = {
        1,
        LlavaConfig.IMAGE_TOKEN_INDEX,
        7,
        9,
        11,
        13,
        1,
        5,
        8,
        LlavaConfig.IMAGE_TOKEN_INDEX,
        30,
        2
      };
      Tensor input = Tensor.create(ids, 2, 6);
      Tensor mask = Tensor.create(new long[] {1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, 2, 6);
      Torch.seed(3);
      Tensor pixels = randn(2, 3, 16, 16);
      LlavaInput batch =
          LlavaInput.of(input).withAttentionMask(mask).withLabels(input).withPixels(pixels);
      Recomputation layers = new Recomputation(recompute);
      CausalLmLoss.Result out = model.forward(batch, layers).loss().orElseThrow();
      layers.backward(out.sum());
      double next = randn(1).item_double();
      for (Trainable p : t.all()) {
        grads.put(
            p.name(),
            scope.keep(p.param().grad().defined() ? p.param().grad().clone() : new Tensor()));
      }
      double loss = out.sum().item_double();
      model.close();
      return new Pass(loss, grads, next);
    }
  }
}
