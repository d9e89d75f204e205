package io.lntune;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.training.data.ResizeNormalize;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No weight decay on 1-D parameters; the connector at its own learning rate (LLaVA's mm_projector_lr). */
class OptimizerGroupsTest {
  @TempDir Path dir;

  @Test
  void groupsFollowLlava() throws Exception {
    Path data = Files.writeString(dir.resolve("data.json"), "[]");
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    TunerSettings s = LayerNormTuner.builder().model(model).tokenizer(LayerNormTunerTest.TOK).trainData(data, dir)
        .strategy(Strategy.LAYERNORM).learningRate(3e-3).connectorLearningRate(2e-5).weightDecay(0.1)
        .imageTransform(ResizeNormalize.unit(16)).build().settings();
    AdamW adam = OptimizerGroups.build(TrainableParameters.select(model, s.selection(), true), s);
    assertThat(adam.groups()).extracting(AdamW.Group::name)
        .containsExactly("no_decay", "decay", "connector", "connector_no_decay");
    AdamW.Group noDecay = adam.groups().get(0);
    assertThat(noDecay.weightDecay()).isZero();
    assertThat(noDecay.params()).allMatch(t -> t.param().dim() == 1).extracting(t -> t.name())
        .contains("model.layers.0.input_layernorm.weight", "model.norm.weight");
    assertThat(adam.groups().get(1).params()).extracting(t -> t.name())
        .containsExactlyInAnyOrder("model.embed_tokens.weight", "lm_head.weight");
    assertThat(adam.groups().get(1).weightDecay()).isEqualTo(0.1);
    assertThat(adam.groups().get(2).learningRate()).isEqualTo(2e-5);
    assertThat(adam.groups().get(3).params()).allMatch(t -> t.name().startsWith("model.mm_projector.")
        && t.name().endsWith("bias"));
    model.close();
  }
}
