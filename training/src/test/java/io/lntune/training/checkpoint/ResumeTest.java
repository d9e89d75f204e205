package io.lntune.training.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.training.loop.Endless;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.loop.TrainingTask;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run interrupted after a checkpoint and resumed gives exactly the uninterrupted run's losses:
 * LoRA with dropout (libtorch's random state), a cosine schedule with warm-up, AdamW moments and
 * the data position all carry over.
 */
class ResumeTest {
  @TempDir Path dir;

  record Batch(Tensor ids) implements AutoCloseable {
    @Override
    public void close() {
      ids.close();
    }
  }

  static Iterator<Batch> data(long from) {
    return Endless.from(
        from,
        i -> {
          Random r = new Random(77 + i);
          long[] ids = r.longs(2 * 10, 0, 256).toArray();
          return new Batch(Tensor.create(ids, 2, 10));
        });
  }

  /**
   * Trains LoRA (dropout 0.1) on a fresh model; {@code stopAfter} throws once that many steps are
   * done.
   */
  static TrainingRun run(Path out, long stopAfter) {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.1, 1);
    Lora.attach(model.blockLinears(), new LoraConfig(4, 8, 0.1, LoraConfig.ALL_BLOCK_LINEARS), 2);
    TrainableParameters t = TrainableParameters.select(model, Selection.of(Strategy.LORA), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 5e-3, 0.01, t.all());
    long[] steps = {0};
    TrainingTask<Batch> task = b -> CausalLmLoss.of(model.forward(b.ids()), b.ids());
    TrainerConfig config =
        new TrainerConfig(
            6,
            2,
            1.0,
            LrSchedule.cosine(LrSchedule.Warmup.steps(2)),
            NanPolicy.STOP,
            2,
            0,
            Optional.of(out));
    Trainer<Batch> trainer =
        new Trainer<>(
            t,
            adam,
            task,
            config,
            JsonNodeFactory.instance.objectNode(),
            List.of(
                new TrainingListener() {
                  @Override
                  public void onCheckpoint(long step, Path d) {
                    if (step == stopAfter) {
                      throw new IllegalStateException("interrupted after step " + step);
                    }
                  }
                }));
    try {
      return trainer.run(ResumeTest::data);
    } finally {
      model.close();
    }
  }

  @Test
  void resumedRunRepeatsTheUninterruptedOne() throws IOException {
    List<Double> whole = run(dir.resolve("whole"), -1).losses();
    Path interrupted = dir.resolve("interrupted");
    try {
      run(interrupted, 4);
    } catch (IllegalStateException expected) {
      assertThat(expected).hasMessage("interrupted after step 4");
    }
    assertThat(TrainingCheckpoints.latest(interrupted))
        .contains(interrupted.resolve("checkpoint-000004"));
    Files.createDirectories(
        interrupted.resolve(".checkpoint-000006.tmp-123")); // a half-written leftover
    TrainingRun resumed = run(interrupted, -1);
    assertThat(resumed.firstStep()).isEqualTo(5);
    assertThat(resumed.losses()).containsExactly(whole.get(4), whole.get(5));
    try (Stream<Path> s = Files.list(interrupted)) {
      assertThat(
              s.map(p -> p.getFileName().toString())
                  .filter(n -> n.startsWith("checkpoint-"))
                  .sorted())
          .containsExactly("checkpoint-000002", "checkpoint-000004", "checkpoint-000006");
    }
  }
}
