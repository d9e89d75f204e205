package io.lntune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.data.ResizeNormalize;
import io.lntune.training.distributed.DistributedBackend;
import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.distributed.TorchrunEnvironment;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerNormTunerTest {
  static final Tokenizer TOK =
      Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"));
  @TempDir static Path world;
  static SyntheticWorld.Summary data;

  @BeforeAll
  static void generate() {
    data = new SyntheticWorld(24, 3, 16, 0.25).generate(world);
  }

  /** The tiny LLaVA with the LLaMA tokenizer's vocabulary (+1 for LLaVA's pad). */
  static LlavaModel tinyLlava() {
    return tinyLlava(TOK.vocabSize() + 1, false);
  }

  /**
   * The tiny LLaVA with {@code vocab} rows, its config setting {@code mm_use_im_start_end} as
   * given.
   */
  static LlavaModel tinyLlava(long vocab, boolean imStartEnd) {
    LlavaConfig tiny = LlavaConfigs.tiny();
    LlamaConfig t = LlamaConfigs.tiny();
    LlamaConfig text =
        new LlamaConfig(
            32,
            64,
            2,
            4,
            2,
            t.rmsNormEps(),
            t.ropeTheta(),
            1.0,
            vocab,
            4096,
            false,
            1,
            List.of(2L),
            0,
            Optional.of(DType.F32));
    LlavaModel m =
        new LlavaModel(
            new LlavaConfig(
                text,
                tiny.vision(),
                tiny.projectorType(),
                tiny.featureSelection(),
                tiny.imageTokenIndex(),
                imStartEnd,
                "square",
                512,
                Optional.empty()),
            Placement.cpu(DType.F32));
    Init.normal(m, 0.05, 1);
    return m;
  }

  @Test
  void buildNamesEveryMissingOrConflictingSetting() {
    assertThatThrownBy(() -> LayerNormTuner.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("model is required")
        .hasMessageContaining("tokenizer is required")
        .hasMessageContaining("trainData is required");
    assertThatThrownBy(
            () ->
                LayerNormTuner.builder()
                    .strategy(Strategy.LAYERNORM)
                    .selection(Selection.of(Strategy.FULL))
                    .lora(LoraConfig.defaults())
                    .batchSize(0)
                    .build())
        .hasMessageContaining("set either strategy or selection, not both")
        .hasMessageContaining("lora is set but the strategy is FULL, not LORA")
        .hasMessageContaining("batchSize must be >= 1, got 0");
    assertThatThrownBy(
            () ->
                LayerNormTuner.builder()
                    .exportFormat(MergedLayout.LLAVA_HF)
                    .exportDtype(DType.I64)
                    .build())
        .hasMessageContaining("exportFormat needs exportMerged")
        .hasMessageContaining("exportDtype must be one of [F32, BF16, F16], got I64");
    assertThatThrownBy(() -> LayerNormTuner.builder().seed(1).seed(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("seed was already set to 1");
    assertThatThrownBy(
            () ->
                LayerNormTuner.builder()
                    .trainData(world.resolve("none.json"), world)
                    .template("x")
                    .build())
        .hasMessageContaining("trainData " + world.resolve("none.json") + " is not a file")
        .hasMessageContaining("template: ");
  }

  @Test
  void buildRefusesNcclForAModelOffTheRanksGpu() {
    DistributedSettings nccl =
        new DistributedSettings(
            new TorchrunEnvironment(1, 2, 1, 2, "127.0.0.1", 29500),
            Duration.ofMinutes(1),
            Optional.of(DistributedBackend.NCCL));
    assertThatThrownBy(() -> LayerNormTuner.builder().model(tinyLlava()).distributed(nccl).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "distributed: NCCL reduces the gradients on each rank's own GPU, cuda:LOCAL_RANK: rank 1"
                + " (LOCAL_RANK 1) needs its model on cuda:1, not cpu (on the CPU, use Gloo)");
  }

  @Test
  void stageOneThenLayerNormStageTwoLowerTheLossAndExport() throws Exception {
    LlavaModel model = tinyLlava();
    Path out1 = world.resolve("stage1");
    TuningResult stage1 =
        LayerNormTuner.builder()
            .model(model)
            .tokenizer(TOK)
            .trainData(data.stage1(), data.imageRoot())
            .strategy(Strategy.CONNECTOR_ONLY)
            .batchSize(4)
            .maxSteps(6)
            .learningRate(1e-2)
            .imageTransform(ResizeNormalize.unit(16))
            .outputDir(out1)
            .build()
            .fit();
    assertThat(stage1.trainableParameters()).isEqualTo(model.parameterCounts().projector());
    assertThat(Files.isRegularFile(out1.resolve("trainable.safetensors"))).isTrue();

    Path out2 = world.resolve("stage2");
    TuningResult stage2 =
        LayerNormTuner.builder()
            .model(model)
            .tokenizer(TOK)
            .trainData(data.stage2Train(), data.imageRoot())
            .strategy(Strategy.LAYERNORM)
            .batchSize(4)
            .maxSteps(12)
            .learningRate(2e-2)
            .imageTransform(ResizeNormalize.unit(16))
            .checkpointEvery(6)
            .outputDir(out2)
            .exportMerged(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"))
            .exportFormat(MergedLayout.LLAVA_HF)
            .evaluation(6, step -> Map.of("steps_seen", (double) step))
            .build()
            .fit();
    List<Double> l = stage2.losses();
    double first = (l.get(0) + l.get(1) + l.get(2)) / 3;
    double last = (l.get(9) + l.get(10) + l.get(11)) / 3;
    System.out.printf(
        "stage 2 LAYERNORM: loss %.3f -> %.3f, %,d of %,d trainable (%.2f%%)%n",
        first,
        last,
        stage2.trainableParameters(),
        stage2.totalParameters(),
        stage2.trainablePercent());
    assertThat(last).isLessThan(first);
    assertThat(stage2.checkpoint()).contains(out2.resolve("checkpoint-000012"));
    assertThat(stage2.adapter()).isPresent();
    assertThat(out2.resolve("adapter/adapter_config.json")).exists();
    assertThat(stage2.merged()).contains(out2.resolve("llava-hf-merged"));
    assertThat(out2.resolve("llava-hf-merged/tokenizer.model")).exists();
    assertThat(Files.readString(out2.resolve("llava-hf-merged/config.json")))
        .contains("\"architectures\" : [ \"LlavaForConditionalGeneration\" ]");
    assertThat(out2.resolve("run.json")).exists();
    List<String> metrics = Files.readAllLines(out2.resolve("metrics.jsonl"));
    assertThat(metrics.stream().filter(m -> m.contains("\"type\":\"step\""))).hasSize(12);
    assertThat(metrics.stream().filter(m -> m.contains("\"type\":\"eval\"")))
        .containsExactly(
            "{\"type\":\"eval\",\"step\":6,\"steps_seen\":6.0}",
            "{\"type\":\"eval\",\"step\":12,\"steps_seen\":12.0}");
    model.close();
  }

  /**
   * v0 pads with a new [PAD] and mm_use_im_start_end wraps every image in two new tokens: the tuner
   * adds them to the tokenizer and rows to the model before it picks the trainable tensors, so
   * padded batches and wrapped images train.
   */
  @Test
  void v0AndImStartEndTrainWithTheRowsTheyNeed() {
    try (LlavaModel model = tinyLlava(TOK.vocabSize(), true)) {
      TuningResult r =
          LayerNormTuner.builder()
              .model(model)
              .tokenizer(TOK)
              .trainData(data.stage2Train(), data.imageRoot())
              .strategy(Strategy.LAYERNORM)
              .template("v0")
              .batchSize(3)
              .maxSteps(2)
              .imageTransform(ResizeNormalize.unit(16))
              .build()
              .fit();
      assertThat(model.config().text().vocabSize())
          .as("[PAD], <im_start>, <im_end>")
          .isEqualTo(32003);
      assertThat(r.losses()).hasSize(2).allSatisfy(l -> assertThat(l).isFinite().isPositive());
    }
  }
}
