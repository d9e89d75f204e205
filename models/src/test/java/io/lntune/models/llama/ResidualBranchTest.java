package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A layer's two residual branches, run in turn, compute the layer's forward, and each branch is its
 * input plus its projection of {@link ResidualBranch#projectionInput}: what recomputation relies on
 * when it checkpoints between them and skips a frozen projection.
 */
class ResidualBranchTest {

  @Test
  void theBranchesInTurnAreTheLayer() {
    try (LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
        TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      Init.normal(model, 0.2, 17);
      // Gains of their own, so that a branch normalising with the other norm's would show.
      Modules.namedParameters(model).entrySet().stream()
          .filter(e -> e.getKey().endsWith("layernorm.weight"))
          .forEach(e -> e.getValue().uniform_(0.5, 1.5, new GeneratorOptional()));
      Tensor embeds = model.embed(LlamaModelTest.ids(3, 41, 7, 99, 250, 12));
      List<Double> layerDiffs = new ArrayList<>();
      List<Double> projectionDiffs = new ArrayList<>();
      List<Double> branchChanges = new ArrayList<>();
      LayerRunner viaBranches =
          (layers, x) -> {
            for (BoundLayer layer : layers) {
              Tensor out = layer.forward(x);
              Tensor y = x;
              for (ResidualBranch branch : layer.branches()) {
                Tensor next = branch.forward(y);
                Tensor projected = branch.projection().forward(branch.projectionInput(y));
                projectionDiffs.add(LlamaModelTest.maxDiff(y.add(projected), next));
                branchChanges.add(LlamaModelTest.maxDiff(y, next));
                y = next;
              }
              layerDiffs.add(LlamaModelTest.maxDiff(out, y));
              x = out;
            }
            return x;
          };
      model.hiddenStates(embeds, viaBranches);
      assertThat(layerDiffs).hasSize(2).allSatisfy(d -> assertThat(d).isLessThan(1e-6));
      assertThat(projectionDiffs).hasSize(4).allSatisfy(d -> assertThat(d).isLessThan(1e-6));
      assertThat(branchChanges)
          .as("each branch adds something to the residual stream")
          .allSatisfy(d -> assertThat(d).isGreaterThan(1e-3));
    }
  }
}
