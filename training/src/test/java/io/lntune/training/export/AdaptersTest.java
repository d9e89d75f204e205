package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Linear;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdaptersTest {
  @TempDir Path dir;

  private static double maxDiff(LlavaModel a, LlavaModel b) {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor x = ExportTest.logits(a);
      return x.sub(ExportTest.logits(b)).abs().max().item_double();
    }
  }

  @Test
  void aLayerNormRunDirectoryAndItsDeltaBothRecreateTheTrainedModel() throws Exception {
    LlavaModel trained = ExportTest.base();
    Selection s = Selection.of(Strategy.LAYERNORM);
    ExportTest.perturb(trained, s);
    Path run = Files.createDirectories(dir.resolve("run"));
    PeftAdapter.write(run.resolve("adapter"), ExportTensors.of(trained), s, "tiny");
    TrainableDelta.write(dir.resolve("delta.safetensors"), ExportTensors.of(trained), s, Map.of());
    for (Path p : new Path[] {run, run.resolve("adapter"), dir.resolve("delta.safetensors")}) {
      LlavaModel fresh = ExportTest.base();
      assertThat(maxDiff(fresh, trained)).as("training moved the outputs").isGreaterThan(1e-3);
      Adapters.apply(fresh, fresh.languageModel().blockLinears(), p);
      assertThat(maxDiff(fresh, trained)).as(p.toString()).isLessThan(1e-5);
      fresh.close();
    }
    trained.close();
  }

  @Test
  void aLoraAdapterIsMergedIntoTheWeights() {
    LlavaModel trained = ExportTest.base();
    LoraConfig lora = new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS);
    Lora.attach(trained.languageModel().blockLinears(), lora, 5);
    Selection s = Selection.of(Strategy.LORA);
    ExportTest.perturb(trained, s); // B moves away from 0
    PeftAdapter.write(dir.resolve("lora"), ExportTensors.of(trained).withLora(lora), s, "tiny");
    LlavaModel fresh = ExportTest.base();
    Map<String, Linear> linears = fresh.languageModel().blockLinears();
    Adapters.apply(fresh, linears, dir.resolve("lora"));
    assertThat(linears.values()).noneMatch(Linear::hasAdapter);
    assertThat(maxDiff(fresh, trained)).isLessThan(1e-4);
    fresh.close();
    trained.close();
  }

  @Test
  void aDirectoryWithoutAnAdapterIsNamed() {
    LlavaModel m = ExportTest.base();
    assertThatThrownBy(() -> Adapters.apply(m, m.languageModel().blockLinears(), dir))
        .isInstanceOf(LntuneException.class)
        .hasMessageContaining(dir + ": no adapter here");
    m.close();
  }
}
