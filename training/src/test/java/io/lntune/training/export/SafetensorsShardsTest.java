package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsShardsTest {
  @TempDir Path dir;

  @Test
  void tensorsSplitIntoShardsUnderTheLimitWithAnIndex() throws Exception {
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++) {
        tensors.put("t" + i, randn(16, 16)); // 1 KiB each
      }
      tensors.put("big", randn(40, 16)); // 2.5 KiB: a shard of its own
      SafetensorsShards.write(dir, tensors, 2048);
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()).sorted())
            .containsExactly(
                "model-00001-of-00004.safetensors",
                "model-00002-of-00004.safetensors",
                "model-00003-of-00004.safetensors",
                "model-00004-of-00004.safetensors",
                "model.safetensors.index.json");
      }
      assertThat(Files.readString(dir.resolve("model.safetensors.index.json")))
          .contains("\"total_size\" : 7680")
          .contains("\"big\" : \"model-00004-of-00004.safetensors\"");
      try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
        assertThat(ckpt.names()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
        assertThat(ckpt.tensor("t3").equal(tensors.get("t3"))).isTrue();
      }
      Path single = Files.createDirectories(dir.resolve("single"));
      SafetensorsShards.write(single, tensors, 1L << 20);
      try (var files = Files.list(single)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
      }
    }
  }
}
