package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedCheckpointTest {
  @TempDir Path dir;

  @Test
  void aLoraModelMergesIntoAShardedCheckpointThatLoadsBack() throws Exception {
    LlavaModel trained = ExportTest.base();
    LoraConfig lora = new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS);
    Lora.attach(trained.languageModel().blockLinears(), lora, 2);
    ExportTest.perturb(trained, Selection.of(Strategy.LORA));
    Path tokenizer = Files.createDirectories(dir.resolve("tok"));
    Files.writeString(tokenizer.resolve("tokenizer_config.json"), "{\"add_bos_token\": true}");
    Path out = dir.resolve("merged");
    MergedCheckpoint.write(out, trained, lora, tokenizer, 64 * 1024);             // small shards
    assertThat(out.resolve("model.safetensors.index.json")).exists();
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.matches("model-\\d{5}-of-\\d{5}\\.safetensors")))
          .hasSizeGreaterThan(1);
    }
    assertThat(out.resolve("vision_tower/config.json")).exists();
    assertThat(out.resolve("tokenizer_config.json")).exists();
    assertThat(Files.readString(out.resolve("config.json"))).contains("\"mm_vision_tower\" : \"vision_tower\"")
        .contains("\"mm_projector_type\" : \"mlp2x_gelu\"");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
    LlavaModel loaded = LlavaModel.load(out, Placement.cpu(DType.F32));
    try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
      assertThat(ExportTest.logits(loaded).sub(ExportTest.logits(trained)).abs().max().item_double()).isLessThan(1e-5);
    }
    trained.close();
    loaded.close();
  }
}
