package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link LlamaModel#forEachLayerOutput}: every layer's output, in order, the last one the final
 * norm's input.
 */
class LayerOutputsTest {

  @Test
  void theLastLayerOutputIsWhatTheFinalNormNormalizes() {
    try (LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Init.normal(model, 0.2, 11);
      Tensor embeds = model.embed(LlamaModelTest.ids(3, 41, 7, 99, 250, 12));
      List<Integer> order = new ArrayList<>();
      List<Tensor> outputs = new ArrayList<>();
      model.forEachLayerOutput(
          embeds,
          (hidden, layer) -> {
            order.add(layer);
            outputs.add(hidden);
          });
      assertThat(order).containsExactly(0, 1);
      Tensor last = outputs.get(1);
      Tensor weight = Modules.namedParameters(model).get("model.norm.weight");
      Tensor rms =
          last.pow(new Scalar(2L))
              .mean(new long[] {-1}, true, new ScalarTypeOptional())
              .add(new Scalar(model.config().rmsNormEps()))
              .rsqrt();
      assertThat(LlamaModelTest.maxDiff(last.mul(rms).mul(weight), model.hiddenStates(embeds)))
          .isLessThan(1e-5);
      assertThat(LlamaModelTest.maxDiff(outputs.get(0), outputs.get(1)))
          .as("the layers differ")
          .isGreaterThan(1e-3);
    }
  }
}
