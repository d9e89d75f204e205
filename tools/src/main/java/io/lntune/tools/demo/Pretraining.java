package io.lntune.tools.demo;

import io.lntune.training.listener.ProgressBarListener;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.loop.TrainingTask;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.OptimizerGroups;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.run.Preparation;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.strategy.Selection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Module;

/**
 * How the demo pretrains its tiny models from scratch: through a finetuning run's parts ({@link
 * Preparation}, {@link OptimizerGroups}, the trainer with {@link RunDefaults#trainer}), with its
 * own learning rate, no weight decay and a cosine schedule with 5% warm-up.
 *
 * <pre>{@code
 * TrainingRun run = Pretraining.run(model, Selection.of(Strategy.FULL), 1e-3, 3000, task, batches, true);
 * }</pre>
 */
final class Pretraining {
  private Pretraining() {}

  /**
   * @param progress whether to draw a progress bar (not for a run alongside another's)
   * @return the run
   */
  static <B extends AutoCloseable> TrainingRun run(
      Module model,
      Selection selection,
      double learningRate,
      int steps,
      TrainingTask<B> task,
      Iterator<B> batches,
      boolean progress) {
    TrainableParameters trainables =
        Preparation.trainables(model, selection, Optional.empty(), RunDefaults.SEED);
    AdamW adam = OptimizerGroups.adamW(trainables, learningRate, learningRate, 0.0);
    List<TrainingListener> listeners =
        progress ? List.of(ProgressBarListener.console()) : List.of();
    return new Trainer<>(
            trainables,
            adam,
            task,
            RunDefaults.trainer(steps, LrSchedule.cosine(LrSchedule.Warmup.ratio(0.05))),
            null,
            listeners)
        .run(from -> batches);
  }
}
