package io.lntune.torch.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.torch.TensorScopeExtension;
import io.lntune.torch.TestTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face directories, sharded checkpoints and their index. */
@ExtendWith(TensorScopeExtension.class)
class CheckpointTest {
  @TempDir Path dir;
  private final Map<String, Tensor> written = new LinkedHashMap<>();

  private void shard(String file, String... names) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    for (String n : names) {
      t.put(n, randn(2, 3));
    }
    written.putAll(t);
    SafetensorsWriter.write(dir.resolve(file), t);
  }

  private void index(String body) throws IOException {
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\": {\"total_size\": 72}, \"weight_map\": {" + body + "}}");
  }

  private void twoShards() throws IOException {
    shard(
        "model-00001-of-00002.safetensors",
        "model.embed_tokens.weight",
        "model.layers.0.input_layernorm.weight");
    shard("model-00002-of-00002.safetensors", "lm_head.weight");
    index(
        "\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\","
            + "\"model.layers.0.input_layernorm.weight\": \"model-00001-of-00002.safetensors\","
            + "\"lm_head.weight\": \"model-00002-of-00002.safetensors\"");
  }

  @Test
  void shardedDirectoryReadsEveryTensor() throws IOException {
    twoShards();
    for (Path p : new Path[] {dir, dir.resolve("model.safetensors.index.json")}) {
      try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(p)) {
        assertThat(ckpt.files()).hasSize(2);
        assertThat(ckpt.names())
            .containsExactly(
                "lm_head.weight",
                "model.embed_tokens.weight",
                "model.layers.0.input_layernorm.weight");
        assertThat(ckpt.parameterCount()).isEqualTo(18);
        assertThat(ckpt.byteSize()).isEqualTo(72);
        for (String n : ckpt.names()) {
          assertThat(TestTensors.bytes(ckpt.tensor(n)))
              .as(n)
              .isEqualTo(TestTensors.bytes(written.get(n)));
        }
        assertThat(ckpt.file("lm_head.weight").path().getFileName().toString())
            .isEqualTo("model-00002-of-00002.safetensors");
      }
    }
  }

  @Test
  void singleFileDirectory() {
    shard("model.safetensors", "a", "b");
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
      assertThat(ckpt.names()).containsExactly("a", "b");
    }
  }

  @Test
  void shardListedButMissing() throws IOException {
    shard("model-00001-of-00002.safetensors", "a");
    index(
        "\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining("model.safetensors.index.json")
        .hasMessageContaining(
            "shard model-00002-of-00002.safetensors (holding tensor 'b') does not exist");
  }

  @Test
  void tensorListedButNotInItsShard() throws IOException {
    shard("s1.safetensors", "a");
    shard("s2.safetensors", "b");
    index("\"a\": \"s1.safetensors\", \"b\": \"s1.safetensors\", \"c\": \"s2.safetensors\"");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining(
            "tensor 'b' is listed in shard s1.safetensors but is in s2.safetensors");
  }

  @Test
  void tensorInAShardButNotListed() throws IOException {
    shard("s1.safetensors", "a", "extra");
    index("\"a\": \"s1.safetensors\"");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining("tensor 'extra' in shard s1.safetensors is not listed");
  }

  @Test
  void indexWithoutWeightMapOrBadJson() throws IOException {
    Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .hasMessageContaining("has no \"weight_map\"");
    Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": ");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .hasMessageContaining("is not valid JSON");
  }

  @Test
  void shardNamesCannotEscapeTheDirectory() throws IOException {
    index("\"a\": \"../elsewhere.safetensors\"");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining(
            "shard name '../elsewhere.safetensors' must be a file next to the index");
  }

  @Test
  void sameNameInTwoShards() throws IOException {
    shard("x.safetensors", "a");
    shard("y.safetensors", "a", "b");
    index("\"a\": \"x.safetensors\", \"b\": \"y.safetensors\"");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining("y.safetensors: tensor 'a' is also in x.safetensors");
  }

  @Test
  void modelSafetensorsWinsOverOtherFiles() {
    shard("model.safetensors", "a");
    shard("expected.safetensors", "logits");
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
      assertThat(ckpt.names()).containsExactly("a");
    }
  }

  @Test
  void severalFilesWithoutIndexAreAmbiguous() {
    shard("x.safetensors", "a");
    shard("y.safetensors", "b");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining("holds several .safetensors files [x.safetensors, y.safetensors]");
  }

  @Test
  void directoryWithoutSafetensors() throws IOException {
    Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
        .isInstanceOf(SafetensorsException.class)
        .hasMessageContaining("holds no *.safetensors file (found [pytorch_model.bin]: convert");
    assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir.resolve("nope")))
        .hasMessageContaining("no such file or directory");
  }

  @Test
  void unknownTensor() {
    shard("model.safetensors", "a");
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
      assertThatThrownBy(() -> ckpt.tensor("b"))
          .isInstanceOf(SafetensorsException.class)
          .hasMessageContaining("no tensor named 'b'");
    }
  }
}
