package io.lntune.training.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LoraTest {
  @Test
  void adaptersStartAtZeroAreNamedAsPeftAndMergeExactly() {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.2, 5);
    model.eval();
    Tensor ids = Tensor.create(new long[] {1, 5, 9, 200, 3}, 1, 5);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor base = scope.keep(model.forward(ids));
      LoraConfig config = new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS);
      Map<String, Linear> adapted = Lora.attach(model.blockLinears(), config, 11);
      assertThat(adapted).hasSize(2 * 7);
      Map<String, Tensor> params = Modules.namedParameters(model);
      assertThat(params)
          .containsKeys(
              "model.layers.0.self_attn.q_proj.lora_A.weight",
              "model.layers.1.mlp.down_proj.lora_B.weight");
      assertThat(params.get("model.layers.0.self_attn.q_proj.lora_A.weight").sizes().vec().get())
          .containsExactly(4, 64);
      assertThat(model.forward(ids).sub(base).abs().max().item_double())
          .as("B starts at zero")
          .isZero();

      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        if (e.getKey().endsWith("lora_B.weight")) {
          e.getValue().copy_(randn(e.getValue().sizes().vec().get()).mul(new Scalar(0.1)));
        }
      }
      Tensor adaptedOut = model.forward(ids);
      assertThat(adaptedOut.sub(base).abs().max().item_double()).isGreaterThan(1e-3);
      Lora.merge(adapted, config);
      assertThat(Modules.namedParameters(model).keySet()).noneMatch(n -> n.contains("lora_"));
      assertThat(model.forward(ids).sub(adaptedOut).abs().max().item_double()).isLessThan(1e-4);
    } finally {
      model.close();
    }
  }
}
