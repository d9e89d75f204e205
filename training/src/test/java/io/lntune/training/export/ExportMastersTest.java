package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import io.lntune.training.optim.Trainable;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bf16 model's exports carry what training arrived at, the fp32 masters, not their bf16
 * roundings.
 */
class ExportMastersTest {
  @TempDir Path dir;

  @Test
  void everyExportWritesTheMastersOfABf16ModelBitForBit() throws Exception {
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.BF16));
    Init.normal(model, 0.2, 3);
    Selection s = Selection.of(Strategy.LAYERNORM_SIMPLE);
    TrainableParameters trainables = TrainableParameters.select(model, s, true);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (Trainable t : trainables.all()) {
        t.master().add_(new Scalar(1e-3)); // an optimizer step that bf16 cannot hold
      }
    }
    trainables.syncToModel();
    ExportTensors tensors = ExportTensors.of(model, trainables);
    TrainableDelta.write(dir.resolve("delta.safetensors"), tensors, s, Map.of());
    PeftAdapter.write(dir.resolve("adapter"), tensors, s, "tiny");
    MergedCheckpoint.write(dir.resolve("llava-merged"), model, tensors, MergedLayout.ORIGINAL);
    TrainableDelta.write(
        dir.resolve("bf16.safetensors"), tensors.withDtype(DType.BF16), s, Map.of());

    try (TensorScope scope = TensorScope.open();
        SafetensorsFile delta = SafetensorsFile.open(dir.resolve("delta.safetensors"));
        SafetensorsFile adapter =
            SafetensorsFile.open(dir.resolve("adapter/adapter_model.safetensors"));
        SafetensorsFile merged =
            SafetensorsFile.open(dir.resolve("llava-merged/model.safetensors"));
        SafetensorsFile bf16 = SafetensorsFile.open(dir.resolve("bf16.safetensors"))) {
      assertThat(trainables.all()).hasSize(5);
      for (Trainable t : trainables.all()) {
        String module = t.name().substring(0, t.name().lastIndexOf('.'));
        Tensor master = t.master();
        assertThat(master.equal(t.param().to(ScalarType.Float)))
            .as("bf16 rounded the step away")
            .isFalse();
        assertThat(delta.tensor(t.name()).equal(master)).as(t.name()).isTrue();
        assertThat(adapter.tensor(PeftNames.lnTuningKey(t.name(), module)).equal(master))
            .as(t.name())
            .isTrue();
        assertThat(merged.tensor(t.name()).equal(master)).as(t.name()).isTrue();
        assertThat(bf16.tensor(t.name()).equal(t.param())).as(t.name()).isTrue();
      }
      assertThat(merged.tensor("model.layers.0.self_attn.q_proj.weight").scalar_type().intern())
          .isEqualTo(ScalarType.BFloat16);
    }
    model.close();
  }
}
