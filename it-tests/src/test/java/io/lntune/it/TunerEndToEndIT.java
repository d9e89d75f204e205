package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.LayerNormTuner;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.export.PeftAdapter;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The public API end to end on a tiny LLaVA read from disk: stage 1 (connector, captions), then
 * LAYERNORM stage 2, the loss falls, and the exported PEFT adapter put on a fresh copy of the base
 * gives the trained model's logits. On CPU always; on CUDA where a GPU is present.
 */
class TunerEndToEndIT {
  @TempDir Path dir;

  private static Tensor logits(LlavaModel m, Device device) {
    Torch.seed(11);
    Tensor pixels = randn(1, 3, 16, 16).to(device.toTorch(), DType.F32.scalarType());
    Tensor ids =
        Tensor.create(new long[] {1, LlavaConfig.IMAGE_TOKEN_INDEX, 1724, 338, 278}, 1, 5)
            .to(device.toTorch(), DType.I64.scalarType());
    return m.forward(LlavaInput.of(ids).withPixels(pixels)).logits().cpu();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda"})
  void stageOneThenLayerNormThenReload(String deviceName) throws Exception {
    Device device = Device.parse(deviceName);
    Assumptions.assumeTrue(!device.isCuda() || Torch.cudaAvailable(), "no CUDA device");
    TinyRun run = TinyRun.create(dir);
    Placement placement = new Placement(device, DType.F32);
    Tokenizer tok = Tokenizer.load(run.model());
    LlavaModel model = LlavaModel.load(run.model(), placement);
    TuningResult stage1 =
        LayerNormTuner.builder()
            .model(model)
            .tokenizer(tok)
            .trainData(run.model().getParent().resolve("world/stage1.json"), run.imageRoot())
            .strategy(Strategy.CONNECTOR_ONLY)
            .batchSize(4)
            .maxSteps(4)
            .learningRate(1e-2)
            .build()
            .fit();
    Path out = dir.resolve("stage2");
    TuningResult stage2 =
        LayerNormTuner.builder()
            .model(model)
            .tokenizer(tok)
            .trainData(run.data(), run.imageRoot())
            .strategy(Strategy.LAYERNORM)
            .batchSize(4)
            .maxSteps(12)
            .learningRate(2e-2)
            .outputDir(out)
            .build()
            .fit();
    List<Double> l = stage2.losses();
    assertThat((l.get(9) + l.get(10) + l.get(11)) / 3)
        .as("loss falls")
        .isLessThan((l.get(0) + l.get(1) + l.get(2)) / 3);
    assertThat(stage1.losses()).hasSize(4);

    LlavaModel fresh = LlavaModel.load(run.model(), placement);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      model.eval();
      fresh.eval();
      Tensor trained = logits(model, device);
      assertThat(logits(fresh, device).equal(trained)).isFalse();
      PeftAdapter.load(fresh, stage2.adapter().orElseThrow(), fresh.languageModel().blockLinears());
      assertThat(logits(fresh, device).sub(trained).abs().max().item_double()).isLessThan(1e-5);
    }
    model.close();
    fresh.close();
  }
}
