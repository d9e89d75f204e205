package io.lntune.training.optim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import org.junit.jupiter.api.Test;

/**
 * No weight decay on 1-D parameters; the connector at its own learning rate (LLaVA's
 * mm_projector_lr).
 */
class OptimizerGroupsTest {
  @Test
  void groupsFollowLlava() {
    LlavaModel model = new LlavaModel(LlavaConfigs.tiny(), Placement.cpu(DType.F32));
    AdamW adam =
        OptimizerGroups.adamW(
            TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM), true),
            3e-3,
            2e-5,
            0.1);
    assertThat(adam.groups())
        .extracting(AdamW.Group::name)
        .containsExactly("no_decay", "decay", "connector", "connector_no_decay");
    AdamW.Group noDecay = adam.groups().get(0);
    assertThat(noDecay.weightDecay()).isZero();
    assertThat(noDecay.params())
        .allMatch(t -> t.param().dim() == 1)
        .extracting(t -> t.name())
        .contains("model.layers.0.input_layernorm.weight", "model.norm.weight");
    assertThat(adam.groups().get(1).params())
        .extracting(t -> t.name())
        .containsExactlyInAnyOrder("model.embed_tokens.weight", "lm_head.weight");
    assertThat(adam.groups().get(1).weightDecay()).isEqualTo(0.1);
    assertThat(adam.groups().get(2).learningRate()).isEqualTo(2e-5);
    assertThat(adam.groups().get(3).params())
        .allMatch(t -> t.name().startsWith("model.mm_projector.") && t.name().endsWith("bias"));
    model.close();
  }
}
