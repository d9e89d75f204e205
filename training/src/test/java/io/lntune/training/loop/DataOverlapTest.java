package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.image.RgbImage;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataLoader;
import io.lntune.training.data.DataLoaderBuilder;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageRoot;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.ResizeNormalize;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data loader prepares batches while the trainer computes, and the trainer measures what it
 * still waits.
 */
class DataOverlapTest {
  private static final long SOURCE_MILLIS = 200;
  private static final long STEP_MILLIS = 300;

  @TempDir Path dir;

  @Test
  void theTrainerWaitsForTheFirstBatchOnlyWhenTheLoaderKeepsAhead() {
    SyntheticWorld.Summary world = new SyntheticWorld(8, 3, 32, 0).generate(dir);
    ConversationTemplate v1 = ConversationTemplate.forName("vicuna_v1");
    Tokenizer tok =
        Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"))
            .withPadToken(v1.padToken());
    ImageTransform unit = ResizeNormalize.unit(16);
    ImageTransform slow =
        new ImageTransform() { // one sample per batch: each batch takes the source 200 ms
          @Override
          public int[] shape() {
            return unit.shape();
          }

          @Override
          public float[] apply(RgbImage image) {
            sleep(SOURCE_MILLIS);
            return unit.apply(image);
          }
        };
    LlamaModel model = TrainerTest.tinyModel(DType.F32);
    TrainableParameters trainables =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e-3, 0.0, trainables.all());
    TrainingTask<TextTask.Batch> text = TextTask.loss(model);
    TrainingTask<Batch> task =
        batch -> { // the step: 300 ms, then a real forward on the batch's text rows
          sleep(STEP_MILLIS);
          return text.loss(
              new TextTask.Batch(
                  batch.inputIds().clamp_min(new Scalar(0L)).remainder(new Scalar(256L))));
        };
    List<StepMetrics> steps = new ArrayList<>();
    TrainingListener record =
        new TrainingListener() {
          @Override
          public void onStep(StepMetrics m) {
            steps.add(m);
          }
        };
    try (LlavaDataset data =
            LlavaDataset.open(
                world.stage2Train(), SampleFilter.all(), BadRowPolicy.FAIL, new DataStats());
        DataLoader loader =
            DataLoader.builder()
                .dataset(data)
                .tokenizer(tok)
                .template(v1)
                .imageRoot(ImageRoot.of(dir))
                .imageTransform(slow)
                .imageTokens(4)
                .batchSize(1)
                .workers(1)
                .prefetchBatches(2)
                .ordering(DataLoaderBuilder.Ordering.SEQUENTIAL)
                .build()) {
      new Trainer<>(trainables, adam, task, TrainerTest.config(5, 1), null, List.of(record))
          .run(from -> loader);
    } finally {
      model.close();
    }
    assertThat(steps).hasSize(5);
    // The first step waits for the first batch: the source's 200 ms at least.
    assertThat(steps.get(0).dataMillis()).isGreaterThanOrEqualTo(SOURCE_MILLIS - 1);
    for (StepMetrics m : steps.subList(1, steps.size())) {
      // Each later batch was made during the step before (300 ms against 200): the wait is the
      // hand-over only.
      assertThat(m.dataMillis()).as("step %d waited for data", m.step()).isLessThan(100);
      assertThat(m.stepMillis()).isGreaterThanOrEqualTo(STEP_MILLIS - 1);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
