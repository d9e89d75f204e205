package io.lntune.models.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Namespace;
import io.lntune.models.nn.Placement;
import io.lntune.models.nn.RmsNorm;
import io.lntune.torch.DType;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScopeExtension;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TensorScopeExtension.class)
class StateDictLoaderTest {
  @TempDir Path dir;

  /** {@code block.proj} (Linear 4 -> 3 with bias) and {@code block.norm} (RmsNorm 3). */
  static final class Tiny extends Module {
    final Linear proj;
    final RmsNorm norm;
    final Namespace block;

    Tiny(Placement p) {
      super("Tiny");
      Namespace block = register_module("block", new Namespace("Block"));
      this.block = block;
      proj = block.register_module("proj", new Linear(4, 3, true, p));
      norm = block.register_module("norm", new RmsNorm(3, 1e-6, p));
    }
  }

  private Path checkpoint(Map<String, Tensor> tensors) {
    Path file = dir.resolve("model.safetensors");
    SafetensorsWriter.write(file, tensors);
    return file;
  }

  private Map<String, Tensor> matching() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("block.proj.weight", randn(3, 4));
    t.put("block.proj.bias", randn(3));
    t.put("block.norm.weight", randn(3));
    return t;
  }

  @Test
  void nanOrInfiniteWeightsFailAtLoadNamingTheTensorsUnlessTheCheckIsOff() {
    Map<String, Tensor> t = matching();
    t.get("block.norm.weight").narrow(0, 1, 1).fill_(new Scalar(Double.NaN));
    t.get("block.proj.bias").fill_(new Scalar(Double.POSITIVE_INFINITY));
    Path file = checkpoint(t);
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(file)) {
      assertThatThrownBy(
              () ->
                  StateDictLoader.load(
                      new Tiny(Placement.cpu(DType.F32)),
                      ckpt,
                      KeyMap.identity(),
                      Placement.cpu(DType.F32)))
          .isInstanceOf(LntuneException.class)
          .hasMessage(
              file
                  + ": 2 tensor(s) hold NaN or infinite values, so every output would be NaN: "
                  + "block.proj.bias, block.norm.weight (a corrupt checkpoint? -Dlntune.load.checkFinite=false or "
                  + "--no-weight-check skips this check)");
      System.setProperty(LoadPolicy.CHECK_FINITE, "false");
      try {
        assertThat(
                StateDictLoader.load(
                    new Tiny(Placement.cpu(DType.F32)),
                    ckpt,
                    KeyMap.identity(),
                    Placement.cpu(DType.F32)))
            .isEqualTo(3);
      } finally {
        System.clearProperty(LoadPolicy.CHECK_FINITE);
      }
    }
  }

  @Test
  void theCopyPolicyReadsWeightsIntoMemoryInsteadOfMappingThem() {
    Map<String, Tensor> t = matching();
    Tiny model = new Tiny(Placement.cpu(DType.F32));
    System.setProperty(LoadPolicy.COPY, "true");
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpoint(t))) {
      StateDictLoader.load(model, ckpt, KeyMap.identity(), Placement.cpu(DType.F32));
      assertThat(model.proj.weight().equal(t.get("block.proj.weight"))).isTrue();
      assertThat(model.proj.weight().data_ptr().address())
          .as("a copy, not the mapped file")
          .isNotEqualTo(ckpt.tensor("block.proj.weight").data_ptr().address());
    } finally {
      System.clearProperty(LoadPolicy.COPY);
    }
  }

  @Test
  void loadsEveryParameterWithoutCopying() {
    Map<String, Tensor> t = matching();
    t.put("block.rotary_emb.inv_freq", arange(new Scalar(2L)).to(ScalarType.Float));
    Tiny model = new Tiny(Placement.cpu(DType.F32));
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpoint(t))) {
      int n =
          StateDictLoader.load(
              model,
              ckpt,
              KeyMap.identity().ignoring(".*rotary_emb\\.inv_freq"),
              Placement.cpu(DType.F32));
      assertThat(n).isEqualTo(3);
      assertThat(model.proj.weight().equal(t.get("block.proj.weight"))).isTrue();
      assertThat(model.norm.weight().equal(t.get("block.norm.weight"))).isTrue();
      assertThat(model.proj.weight().data_ptr().address())
          .as("an F32 tensor loaded as F32 on the CPU is the mapped file itself")
          .isEqualTo(ckpt.tensor("block.proj.weight").data_ptr().address());
      assertThat(model.proj.weight().requires_grad()).isFalse();
    }
  }

  @Test
  void convertsToThePlacementDtype() {
    Map<String, Tensor> t = matching();
    Tiny model = new Tiny(Placement.cpu(DType.BF16));
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpoint(t))) {
      StateDictLoader.load(model, ckpt, KeyMap.identity(), Placement.cpu(DType.BF16));
      assertThat(DType.of(model.proj.weight().scalar_type())).isEqualTo(DType.BF16);
      assertThat(model.proj.weight().equal(t.get("block.proj.weight").to(ScalarType.BFloat16)))
          .isTrue();
    }
  }

  @Test
  void oneErrorNamesEveryProblem() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("block.proj.weight", randn(4, 3)); // transposed: wrong shape
    t.put("block.norm.weight", arange(new Scalar(3L))); // I64: wrong dtype
    t.put("block.extra", randn(2)); // unexpected; block.proj.bias is missing
    Tiny model = new Tiny(Placement.cpu(DType.F32));
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpoint(t))) {
      assertThatThrownBy(
              () -> StateDictLoader.load(model, ckpt, KeyMap.identity(), Placement.cpu(DType.F32)))
          .isInstanceOfSatisfying(
              StateDictMismatchException.class,
              e -> {
                assertThat(e.missing()).containsExactly("block.proj.bias");
                assertThat(e.unexpected()).containsExactly("block.extra");
                assertThat(e.wrongShape())
                    .containsExactly("block.proj.weight: checkpoint [4, 3], model [3, 4]");
                assertThat(e.wrongDtype())
                    .containsExactly("block.norm.weight: checkpoint I64, model F32");
                assertThat(e.getMessage())
                    .contains("model.safetensors does not fit the model")
                    .contains("1 missing: block.proj.bias")
                    .contains("1 unexpected: block.extra");
              });
    }
  }

  @Test
  void prefixesAndExclusionsMapNames() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("language_model.block.proj.weight", randn(3, 4));
    t.put("language_model.block.proj.bias", randn(3));
    Tiny model = new Tiny(Placement.cpu(DType.F32));
    KeyMap keys =
        KeyMap.identity().excluding(n -> n.contains(".norm.")).withPrefix("language_model.");
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpoint(t))) {
      assertThat(StateDictLoader.load(model, ckpt, keys, Placement.cpu(DType.F32))).isEqualTo(2);
    }
  }

  @Test
  void metaIsRefused() {
    Tiny model = new Tiny(Placement.meta(DType.F16));
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(checkpoint(matching()))) {
      assertThatThrownBy(
              () -> StateDictLoader.load(model, ckpt, KeyMap.identity(), Placement.meta(DType.F16)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("meta");
    }
  }

  @Test
  void finiteMeansNoNanAndNoInfinityWhateverTheSum() {
    for (ScalarType dtype :
        new ScalarType[] {ScalarType.BFloat16, ScalarType.Half, ScalarType.Float}) {
      Tensor w = randn(64, 32).to(dtype);
      assertThat(StateDictLoader.allFinite(w)).as("%s", dtype).isTrue();
      for (double bad :
          new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
        Tensor t = w.clone();
        t.select(0, 7).select(0, 3).fill_(new Scalar(bad));
        assertThat(StateDictLoader.allFinite(t)).as("%s with %s", dtype, bad).isFalse();
      }
      Tensor both = w.clone(); // +inf and -inf: a NaN sum
      both.select(0, 1).fill_(new Scalar(Double.POSITIVE_INFINITY));
      both.select(0, 2).fill_(new Scalar(Double.NEGATIVE_INFINITY));
      assertThat(StateDictLoader.allFinite(both)).isFalse();
      // finite values whose sum overflows the dtype: confirmed value by value
      double largest = dtype == ScalarType.Half ? 60000 : 3e38;
      Tensor huge =
          w.abs().add(new Scalar(1.0)).mul(new Scalar(largest / 4)).clamp_max(new Scalar(largest));
      assertThat(Double.isFinite(huge.sum().item_double())).as("%s sum", dtype).isFalse();
      assertThat(StateDictLoader.allFinite(huge)).as("%s", dtype).isTrue();
    }
  }
}
