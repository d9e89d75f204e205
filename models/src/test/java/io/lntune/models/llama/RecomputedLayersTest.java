package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Recomputation keeps the last layer's graph and recomputes the others: the gradients of every parameter equal the
 * plain pass's, with one layer (nothing recomputed) and with several, with the down projections frozen (their
 * product skipped) and trained.
 */
class RecomputedLayersTest {
  @ParameterizedTest
  @CsvSource({"1, false", "3, false", "3, true"})
  void gradientsEqualThePlainPass(int layers, boolean trainDownProjections) {
    Map<String, Tensor> plain = gradients(layers, false, trainDownProjections);
    Map<String, Tensor> recomputed = gradients(layers, true, trainDownProjections);
    assertThat(recomputed.keySet()).isEqualTo(plain.keySet()).isNotEmpty();
    try (TensorScope scope = TensorScope.open()) {
      plain.forEach((name, g) -> {
        assertThat(g.defined()).as(name + " has a gradient").isTrue();
        double diff = recomputed.get(name).sub(g).abs().max().item_double();
        assertThat(diff).as(name + " (max |grad| " + g.abs().max().item_double() + ")").isLessThanOrEqualTo(1e-6);
      });
    }
  }

  /**
   * Trains the embeddings and every norm, so the gradient crosses every layer into the embeddings' graph; the norms
   * alone leave the down projections frozen, which recomputation then skips, and training them too takes the full
   * recomputation.
   */
  private static Map<String, Tensor> gradients(int layers, boolean recompute, boolean trainDownProjections) {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny().withNumHiddenLayers(layers), Placement.cpu(DType.F32));
    Init.normal(model, 0.02, 5);
    Map<String, Tensor> trained = new LinkedHashMap<>();
    Modules.namedParameters(model).forEach((name, p) -> {
      boolean trains = name.endsWith("norm.weight") || name.endsWith("embed_tokens.weight")
          || trainDownProjections && name.endsWith("down_proj.weight");
      p.requires_grad_(trains);
      if (trains) {
        trained.put(name, p);
      }
    });
    model.setActivationRecomputation(recompute);
    Map<String, Tensor> grads = new LinkedHashMap<>();
    try (TensorScope scope = TensorScope.open()) {
      Tensor ids = Tensor.create(new long[] {3, 17, 5, 99, 42, 7, 250, 1}, 2, 4);
      CausalLmLoss.of(model.forward(ids), ids).sum().backward();
      model.backwardRecomputed();
      trained.forEach((name, p) -> grads.put(name, scope.keep(p.grad().clone())));
    }
    model.close();
    return grads;
  }
}
