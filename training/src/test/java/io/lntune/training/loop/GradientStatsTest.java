package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llama.LlamaModel;
import io.lntune.torch.DType;
import io.lntune.training.listener.JsonlMetricsListener;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.GradientNoise;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GradientStatsTest {
  @TempDir Path dir;

  private record Run(List<StepMetrics> steps, List<Double> losses) {}

  private static Run train(long gradientStatsEvery, Path metrics) {
    LlamaModel model = TrainerTest.tinyModel(DType.BF16);
    TrainableParameters trainables =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("norms", 1e-2, 0.0, trainables.all());
    TrainerConfig config =
        new TrainerConfig(
            4,
            3,
            1.0,
            LrSchedule.constant(LrSchedule.Warmup.none()),
            NanPolicy.STOP,
            0,
            0,
            Optional.empty(),
            0,
            gradientStatsEvery);
    List<StepMetrics> steps = new ArrayList<>();
    TrainingListener recorder =
        new TrainingListener() {
          @Override
          public void onStep(StepMetrics m) {
            steps.add(m);
          }
        };
    try (JsonlMetricsListener jsonl = new JsonlMetricsListener(metrics)) {
      TrainingRun run =
          new Trainer<>(
                  trainables, adam, TextTask.loss(model), config, null, List.of(recorder, jsonl))
              .run(from -> TextTask.data(5, from, 2, 12, 256));
      model.close();
      return new Run(steps, run.losses());
    }
  }

  /**
   * Every second step measures the gradients (three micro-batches: a variance), writes them to
   * metrics.jsonl, and changes nothing in the training: the losses equal a run that measures none.
   */
  @Test
  void measuredStepsCarryStatisticsAndTrainAsBefore() throws Exception {
    Run measured = train(2, dir.resolve("measured.jsonl"));
    Run plain = train(0, dir.resolve("plain.jsonl"));
    assertThat(measured.losses()).isEqualTo(plain.losses());
    assertThat(measured.steps())
        .extracting(m -> m.gradients().isEmpty())
        .containsExactly(true, false, true, false);
    GradientNoise.Stats all = measured.steps().get(1).gradients().get(GradientNoise.ALL);
    assertThat(measured.steps().get(1).gradients()).containsOnlyKeys("norms", GradientNoise.ALL);
    assertThat(all.microBatches()).isEqualTo(3);
    assertThat(all.variance()).isPositive().isFinite();
    // Without clipping in the way, the group's norm is the step's global norm before clipping.
    assertThat(all.norm()).isCloseTo(measured.steps().get(1).gradNorm(), within(1e-5 * all.norm()));

    List<String> lines = Files.readAllLines(dir.resolve("measured.jsonl"));
    ObjectMapper json = new ObjectMapper();
    JsonNode second = json.readTree(lines.get(1));
    assertThat(second.path("gradients").path("all").path("variance").asDouble())
        .isEqualTo(all.variance());
    assertThat(second.path("gradients").path("norms").path("micro_batches").asInt()).isEqualTo(3);
    assertThat(json.readTree(lines.get(0)).has("gradients")).isFalse();
    assertThat(Files.readString(dir.resolve("plain.jsonl"))).doesNotContain("gradients");
  }
}
