package io.lntune.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.load.StateDictMismatchException;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.CheckpointException;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectorTest {
  static final Placement F32 = Placement.cpu(DType.F32);
  @TempDir Path dir;

  static Map<String, long[]> shapes(Projector p) {
    Map<String, long[]> out = new LinkedHashMap<>();
    Modules.namedParameters(p.module()).forEach((k, v) -> out.put(k, v.sizes().vec().get()));
    return out;
  }

  static Tensor gelu(Tensor x) {
    return x.mul(x.div(new Scalar(Math.sqrt(2))).erf().add(new Scalar(1.0))).mul(new Scalar(0.5));
  }

  static Tensor affine(Tensor x, Map<String, Tensor> p, String layer) {
    return x.matmul(p.get(layer + "weight").t()).add(p.get(layer + "bias"));
  }

  @Test
  void typesAreLlavaNames() {
    assertThat(ProjectorType.parse(" mlp2x_gelu ").linears()).isEqualTo(2);
    assertThat(ProjectorType.parse("mlp2x_gelu")).isEqualTo(ProjectorType.mlpGelu(2));
    assertThat(ProjectorType.parse("linear").sequential()).isFalse();
    assertThat(ProjectorType.mlpGelu(1).sequential()).isTrue();
    assertThat(ProjectorType.mlpGelu(12).linears()).isEqualTo(12);
    for (String bad : new String[] {"identity", "mlp0x_gelu", "mlpx_gelu", "mlp2x_relu"}) {
      assertThatThrownBy(() -> ProjectorType.parse(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "unsupported projector type '"
                  + bad
                  + "': expected linear or mlpNx_gelu (N >= 1, e.g. mlp2x_gelu)");
    }
  }

  @Test
  void parametersAreNamedAsInLlava() {
    assertThat(shapes(Projector.create(ProjectorType.linear(), 6, 10, Placement.meta(DType.F16))))
        .containsOnlyKeys("weight", "bias")
        .containsEntry("weight", new long[] {10, 6});
    Map<String, long[]> mlp3 =
        shapes(Projector.create(ProjectorType.mlpGelu(3), 6, 10, Placement.meta(DType.F16)));
    assertThat(mlp3)
        .containsOnlyKeys("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias")
        .containsEntry("0.weight", new long[] {10, 6})
        .containsEntry("4.weight", new long[] {10, 10});
    // LLaVA-1.5 7B: 1024 -> 4096 -> 4096
    assertThat(
            Modules.parameterCount(
                Projector.create(ProjectorType.mlpGelu(2), 1024, 4096, Placement.meta(DType.F16))
                    .module()))
        .isEqualTo(1024L * 4096 + 4096 + 4096L * 4096 + 4096);
  }

  @Test
  void forwardIsLinearGeluLinear() {
    Projector p = Projector.create(ProjectorType.mlpGelu(3), 6, 10, F32);
    Init.normal(p.module(), 0.5, 7);
    Torch.seed(8);
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> w = Modules.namedParameters(p.module());
      w.get("2.bias").normal_(0.0, 1.0, new org.bytedeco.pytorch.GeneratorOptional());
      Tensor x = randn(2, 5, 6);
      Tensor expected = affine(gelu(affine(gelu(affine(x, w, "0.")), w, "2.")), w, "4.");
      Tensor y = p.forward(x.to(ScalarType.Double)); // converted to the projector's dtype
      assertThat(y.sizes().vec().get()).containsExactly(2, 5, 10);
      assertThat(y.sub(expected).abs().max().item_double()).isLessThan(1e-5);

      Projector linear = Projector.create(ProjectorType.linear(), 6, 10, F32);
      Init.normal(linear.module(), 0.5, 9);
      Tensor lin = affine(x, Modules.namedParameters(linear.module()), "");
      assertThat(linear.forward(x).sub(lin).abs().max().item_double()).isLessThan(1e-6);
    }
  }

  @Test
  void keysMapToBothLayouts() {
    assertThat(ProjectorKeys.original().toCheckpoint().apply("2.weight"))
        .isEqualTo("model.mm_projector.2.weight");
    assertThat(ProjectorKeys.llavaHf().toCheckpoint().apply("0.bias"))
        .isEqualTo("multi_modal_projector.linear_1.bias");
    assertThat(ProjectorKeys.originalToLlavaHf("model.mm_projector.2.weight"))
        .isEqualTo("multi_modal_projector.linear_2.weight");
    assertThatThrownBy(() -> ProjectorKeys.originalToLlavaHf("model.mm_projector.4.weight"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("llava-hf checkpoints hold mlp2x_gelu");
    assertThatThrownBy(() -> ProjectorKeys.originalToLlavaHf("model.layers.0.mlp.up_proj.weight"))
        .hasMessage(
            "'model.layers.0.mlp.up_proj.weight' is not a projector key (model.mm_projector.*)");
  }

  @Test
  void loadsEitherLayoutAndReadsTheTextWidth() {
    Projector source = Projector.create(ProjectorType.mlpGelu(2), 6, 10, F32);
    Init.normal(source.module(), 0.5, 3);
    Map<String, Tensor> original = new LinkedHashMap<>();
    Map<String, Tensor> hf = new LinkedHashMap<>();
    Modules.namedParameters(source.module())
        .forEach(
            (k, v) -> {
              original.put("model.mm_projector." + k, v);
              hf.put(ProjectorKeys.originalToLlavaHf("model.mm_projector." + k), v);
            });
    original.put(
        "model.layers.0.input_layernorm.weight",
        randn(4)); // a full checkpoint: other keys are ignored
    Path a = dir.resolve("original.safetensors");
    Path b = dir.resolve("hf.safetensors");
    SafetensorsWriter.write(a, original);
    SafetensorsWriter.write(b, hf);
    try (TensorScope scope = TensorScope.open()) {
      Tensor x = randn(1, 3, 6);
      Tensor want = source.forward(x);
      for (Path file : new Path[] {a, b}) {
        Projector loaded = Projector.load(file, ProjectorType.mlpGelu(2), 6, F32);
        assertThat(loaded.forward(x).equal(want)).as(file.toString()).isTrue();
      }
      assertThatThrownBy(() -> Projector.load(a, ProjectorType.mlpGelu(2), 8, F32))
          .isInstanceOf(StateDictMismatchException.class)
          .hasMessageContaining("model.mm_projector.0.weight: checkpoint [10, 6], model [10, 8]");
      assertThatThrownBy(() -> Projector.load(a, ProjectorType.linear(), 6, F32))
          .isInstanceOf(CheckpointException.class)
          .hasMessage(
              a + ": holds no 'model.mm_projector.weight', the first layer of a linear projector");
      assertThatThrownBy(() -> Projector.load(a, ProjectorType.mlpGelu(3), 6, F32))
          .isInstanceOf(StateDictMismatchException.class)
          .hasMessageContaining("model.mm_projector.4.weight");
    }
    Path none = dir.resolve("none.safetensors");
    try (TensorScope scope = TensorScope.open()) {
      SafetensorsWriter.write(none, Map.of("model.norm.weight", randn(4)));
    }
    assertThatThrownBy(() -> Projector.load(none, ProjectorType.linear(), 6, F32))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("holds no projector");
  }
}
