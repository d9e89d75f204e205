package io.lntune.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The loading probe's decoder has the bench model's shape and weighs what the target names. */
class MachineProbesTest {
  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"BF16", "F32"})
  void theCheckpointDecoderOfSmallWeighsOneGibibyte(DType dtype) {
    LlamaConfig small = BenchSize.SMALL.config();
    LlamaConfig sized = MachineProbes.sizedFor(small, dtype, 1L << 30);
    assertThat(sized.withNumHiddenLayers(small.numHiddenLayers())).isEqualTo(small);
    LlamaModel planned = new LlamaModel(sized, Placement.meta(dtype)); // shapes only
    double layerBytes =
        (planned.parameterCount()
                - new LlamaModel(sized.withNumHiddenLayers(1), Placement.meta(dtype))
                    .parameterCount())
            / (sized.numHiddenLayers() - 1.0)
            * dtype.byteSize();
    assertThat((double) planned.parameterCount() * dtype.byteSize())
        .as("nearest to 1 GiB, within half a layer")
        .isCloseTo(1L << 30, within(layerBytes / 2));
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"BF16"})
  void aCheckpointSmallerThanOneLayerStillHasOne(DType dtype) {
    assertThat(MachineProbes.sizedFor(BenchSize.SMALL.config(), dtype, 1).numHiddenLayers())
        .isEqualTo(1);
  }

  @Test
  void probesOfARunCountByTheirMedian() {
    MachineProbes.Gemm median =
        MachineProbes.medianGemm(
            List.of(
                new MachineProbes.Gemm(512, 768, 2048, 7.2e11),
                new MachineProbes.Gemm(512, 768, 2048, 5.9e11),
                new MachineProbes.Gemm(512, 768, 2048, 6.5e11)));
    assertThat(median).isEqualTo(new MachineProbes.Gemm(512, 768, 2048, 6.5e11));
  }
}
