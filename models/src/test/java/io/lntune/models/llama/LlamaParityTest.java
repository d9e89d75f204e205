package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.TestResources;
import io.lntune.torch.safetensors.SafetensorsFile;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits and last hidden states of tiny random checkpoints equal an independent float64 reference
 * ({@code tools/scripts/make_llama_goldens.py}) within 1e-4 at every position: multi-head and
 * grouped-query attention, tied and untied heads, three rope_theta values, linear RoPE scaling, one
 * file and two shards.
 */
class LlamaParityTest {

  static Path golden(String name) {
    return TestResources.path(LlamaParityTest.class, name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mha-untied", "gqa-tied", "mqa-linear-rope"})
  void matchesTheReference(String name) {
    Path dir = golden(name);
    LlamaModel model = LlamaModel.load(dir, Placement.cpu(DType.F32));
    try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = expected.tensor("input_ids");
      Tensor hidden = model.hiddenStates(model.embed(ids));
      Tensor logits = model.logits(hidden);
      double hiddenError =
          hidden.sub(expected.tensor("last_hidden_state")).abs().max().item_double();
      double logitError = logits.sub(expected.tensor("logits")).abs().max().item_double();
      System.out.printf(
          "%s: max |logits - reference| = %.2e, max |hidden - reference| = %.2e%n",
          name, logitError, hiddenError);
      assertThat(logitError).isLessThan(1e-4);
      assertThat(hiddenError).isLessThan(1e-4);
      assertThat(expected.tensor("logits").abs().max().item_double())
          .as("the reference is not trivially zero")
          .isGreaterThan(1.0);
    } finally {
      model.close();
    }
  }
}
