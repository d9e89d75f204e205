package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Recomputation keeps the last layer's graph and recomputes the others' branches: the gradients of
 * every parameter equal the plain pass's, with one layer (nothing recomputed) and with several,
 * with the output and down projections frozen (their products skipped) and either of them trained.
 */
class RecomputedLayersTest {
  @ParameterizedTest
  @CsvSource({"1, none", "3, none", "3, down_proj", "3, o_proj"})
  void gradientsEqualThePlainPass(int layers, String trainedProjection) {
    Map<String, Tensor> plain = gradients(layers, false, trainedProjection);
    Map<String, Tensor> recomputed = gradients(layers, true, trainedProjection);
    assertThat(recomputed.keySet()).isEqualTo(plain.keySet()).isNotEmpty();
    try (TensorScope scope = TensorScope.open()) {
      plain.forEach(
          (name, g) -> {
            assertThat(g.defined()).as(name + " has a gradient").isTrue();
            double diff = recomputed.get(name).sub(g).abs().max().item_double();
            assertThat(diff)
                .as(name + " (max |grad| " + g.abs().max().item_double() + ")")
                .isLessThanOrEqualTo(1e-6);
          });
    }
  }

  /**
   * Observing needs every layer's output, so it never takes the recomputing path, gradients on or
   * off; with no recomputing forward pending, the backward is the loss's alone.
   */
  @Test
  void observingIgnoresActivationRecomputation() {
    try (LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open()) {
      Init.normal(model, 0.2, 12);
      Tensor embeds =
          model.embed(Tensor.create(new long[] {5, 6, 7, 8}, 1, 4)).detach().requires_grad_(true);
      Recomputation layers = new Recomputation(true);
      List<Integer> order = new ArrayList<>();
      model.forEachLayerOutput(embeds, (hidden, layer) -> order.add(layer));
      assertThat(order).containsExactly(0, 1);
      layers.backward(embeds.sum()); // nothing pending: the loss's backward alone
      assertThat(embeds.grad().eq(new Scalar(1.0)).all().item_bool()).isTrue();
    }
  }

  /**
   * A recomputing forward whose loss was backpropagated without the recomputation is reported by
   * the next one.
   */
  @Test
  void aForgottenRecomputedBackwardIsReported() {
    try (LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open()) {
      Init.normal(model, 0.02, 5);
      Modules.namedParameters(model)
          .forEach((name, p) -> p.requires_grad_(name.endsWith("norm.weight")));
      Recomputation layers = new Recomputation(true);
      Tensor ids = Tensor.create(new long[] {3, 17, 5, 99}, 1, 4);
      CausalLmLoss.of(model.forward(ids, layers), ids).sum().backward();
      assertThatThrownBy(() -> model.forward(ids, layers))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Recomputation.backward");
    }
  }

  /**
   * Trains the embeddings and every norm, so the gradient crosses every layer into the embeddings'
   * graph; the norms alone leave the output and down projections frozen, which recomputation then
   * skips, and training one of them too recomputes its branch whole.
   */
  private static Map<String, Tensor> gradients(
      int layers, boolean recompute, String trainedProjection) {
    LlamaModel model =
        new LlamaModel(LlamaConfigs.tiny().withNumHiddenLayers(layers), Placement.cpu(DType.F32));
    Init.normal(model, 0.02, 5);
    Map<String, Tensor> trained = new LinkedHashMap<>();
    Modules.namedParameters(model)
        .forEach(
            (name, p) -> {
              boolean trains =
                  name.endsWith("norm.weight")
                      || name.endsWith("embed_tokens.weight")
                      || !trainedProjection.equals("none")
                          && name.endsWith(trainedProjection + ".weight");
              p.requires_grad_(trains);
              if (trains) {
                trained.put(name, p);
              }
            });
    Recomputation recomputation = new Recomputation(recompute);
    Map<String, Tensor> grads = new LinkedHashMap<>();
    try (TensorScope scope = TensorScope.open()) {
      Tensor ids = Tensor.create(new long[] {3, 17, 5, 99, 42, 7, 250, 1}, 2, 4);
      recomputation.backward(CausalLmLoss.of(model.forward(ids, recomputation), ids).sum());
      trained.forEach((name, p) -> grads.put(name, scope.keep(p.grad().clone())));
    }
    model.close();
    return grads;
  }
}
