package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.clip.ClipConfigs;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.torch.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Modules made in Java call back into their Java peers for virtual methods such as {@code train()};
 * a peer the garbage collector took makes that call fail. Every module of a model, namespaces
 * included, must stay reachable from the model object.
 */
class ModuleLifetimeTest {
  @Test
  void trainAndEvalWorkAfterGarbageCollection() {
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    for (int i = 0; i < 5; i++) {
      byte[][] garbage = new byte[64][];
      for (int j = 0; j < garbage.length; j++) {
        garbage[j] = new byte[1 << 20];
      }
      System.gc();
    }
    model.train(true);
    assertThat(model.is_training()).isTrue();
    model.eval();
    assertThat(model.is_training()).isFalse();
    model.close();
  }

  private static final Placement CPU = Placement.cpu(DType.F32);

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(
            "LlamaModel", (Supplier<Module>) () -> new LlamaModel(LlamaConfigs.tiny(), CPU)),
        Arguments.of(
            "LlavaModel", (Supplier<Module>) () -> new LlavaModel(LlavaConfigs.tiny(), CPU)),
        Arguments.of(
            "ClipVisionTower",
            (Supplier<Module>) () -> new ClipVisionTower(ClipConfigs.tiny(), CPU)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void closeFreesEveryWeightAndGradientAtOnce(String name, Supplier<Module> make) {
    Module model = make.get();
    Map<String, Tensor> params =
        Modules.namedParameters(model); // handles, as a model's fields hold
    Tensor first = params.values().iterator().next();
    first.requires_grad_(true);
    first.sum().backward();
    // Tensors of their own on the same memory: its storage counts them and the model's tensors.
    List<Tensor> aliases = new ArrayList<>();
    params.values().forEach(p -> aliases.add(p.detach()));
    aliases.add(first.grad().detach());
    assertThat(aliases).allSatisfy(a -> assertThat(a.storage().use_count()).isEqualTo(2));

    model.close();
    model.close(); // a second close does nothing

    assertThat(params.values()).allSatisfy(p -> assertThat(p.numel()).isZero());
    assertThat(first.grad().defined()).isFalse();
    assertThat(aliases)
        .as("nothing but this test's aliases holds the weights' and the gradient's memory")
        .allSatisfy(a -> assertThat(a.storage().use_count()).isEqualTo(1));
  }
}
