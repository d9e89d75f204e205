package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.arange;

import io.lntune.models.config.ConfigException;
import io.lntune.models.load.KeyMap;
import io.lntune.models.load.StateDictMismatchException;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.CheckpointException;
import io.lntune.torch.pytorch.TorchSaveWriter;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaLoadTest {
  @TempDir Path dir;

  /** {@return every tensor of a golden model, in the caller's scope} */
  private static Map<String, Tensor> tensors(Path golden) {
    try (SafetensorsCheckpoint ckpt =
        SafetensorsCheckpoint.open(golden.resolve("model.safetensors"))) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : ckpt.names()) {
        tensors.put(name, ckpt.tensor(name));
      }
      return tensors;
    }
  }

  @Test
  void aBrokenCheckpointNamesEveryProblemAtOnce() throws IOException {
    Path golden = LlamaParityTest.golden("mha-untied");
    Files.copy(golden.resolve("config.json"), dir.resolve("config.json"));
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> tensors = tensors(golden);
      tensors.remove("model.norm.weight"); // missing
      tensors.put("lm_head.weight", tensors.get("lm_head.weight").t()); // wrong shape
      tensors.put(
          "model.layers.1.input_layernorm.weight", arange(new Scalar(24L))); // wrong dtype (I64)
      tensors.put(
          "model.layers.9.mlp.up_proj.weight",
          tensors.get("model.layers.0.mlp.up_proj.weight")); // unexpected
      SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
    }
    assertThatThrownBy(() -> LlamaModel.load(dir, Placement.cpu(DType.F32)))
        .isInstanceOfSatisfying(
            StateDictMismatchException.class,
            e -> {
              assertThat(e.missing()).containsExactly("model.norm.weight");
              assertThat(e.unexpected()).containsExactly("model.layers.9.mlp.up_proj.weight");
              assertThat(e.wrongShape())
                  .containsExactly("lm_head.weight: checkpoint [24, 64], model [64, 24]");
              assertThat(e.wrongDtype())
                  .containsExactly(
                      "model.layers.1.input_layernorm.weight: checkpoint I64, model F32");
            });
  }

  @Test
  void loadsInBf16() {
    LlamaModel model =
        LlamaModel.load(LlamaParityTest.golden("gqa-tied"), Placement.cpu(DType.BF16));
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensor.create(new long[] {3, 1, 4, 1, 5}, 1, 5);
      Tensor logits = model.forward(ids);
      assertThat(DType.of(logits.scalar_type())).isEqualTo(DType.BF16);
      assertThat(logits.isfinite().all().item_bool()).isTrue();
    } finally {
      model.close();
    }
  }

  @Test
  void aPyTorchBinLoadsLikeItsSafetensors() throws IOException {
    Path golden = LlamaParityTest.golden("mha-untied");
    Files.copy(golden.resolve("config.json"), dir.resolve("config.json"));
    try (TensorScope scope = TensorScope.open()) {
      TorchSaveWriter.write(dir.resolve("pytorch_model.bin"), tensors(golden));
    }
    LlamaModel fromBin = LlamaModel.load(dir, Placement.cpu(DType.F32));
    LlamaModel fromSafetensors = LlamaModel.load(golden, Placement.cpu(DType.F32));
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensor.create(new long[] {3, 1, 4, 1, 5}, 1, 5);
      assertThat(fromBin.forward(ids).equal(fromSafetensors.forward(ids))).isTrue();
    } finally {
      fromBin.close();
      fromSafetensors.close();
    }
  }

  @Test
  void aMissingConfigIsNamed() {
    assertThatThrownBy(() -> LlamaModel.load(dir, Placement.cpu(DType.F32)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(dir.resolve("config.json") + ": no such file");
  }

  @Test
  void aConfigTooLargeForMemoryIsBuiltWithoutAllocatingAndAskedForItsWeights() throws IOException {
    Path model = Files.createDirectories(dir.resolve("huge"));
    Files.writeString(
        model.resolve("config.json"),
        "{\"hidden_size\": 1000000000000, \"intermediate_size\": 8, "
            + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"vocab_size\": 10}");
    assertThatThrownBy(() -> LlamaModel.load(model, Placement.cpu(DType.F32)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(model.toString());
  }

  @Test
  void aModelBuiltForLoadingMustBeFilledWhole() {
    Path golden = LlamaParityTest.golden("mha-untied");
    LlamaConfig config = LlamaConfig.read(golden.resolve("config.json"));
    LlamaModel model = new LlamaModel(config, Placement.cpu(DType.F32).forLoading());
    try (Checkpoint ckpt = Checkpoint.open(golden)) {
      assertThatThrownBy(
              () ->
                  model.load(
                      ckpt,
                      KeyMap.identity()
                          .excluding("model.norm.weight"::equals)
                          .ignoring("model\\.norm\\.weight")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Placement.forLoading")
          .hasMessageContaining("model.norm.weight");
    } finally {
      model.close();
    }
    assertThat(model.placement().placeholders()).isFalse();
  }
}
