package io.lntune.tools.demo;

import io.lntune.training.listener.ProgressBarListener;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.loop.TrainingTask;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Module;

/**
 * How the demo pretrains its tiny models from scratch: AdamW without weight decay on the selected parameters, a
 * cosine schedule with 5% warm-up, gradients clipped at 1, stopping on a non-finite loss.
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
  static <B extends AutoCloseable> TrainingRun run(Module model, Selection selection, double learningRate, int steps,
      TrainingTask<B> task, Iterator<B> batches, boolean progress) {
    TrainableParameters trainables = TrainableParameters.select(model, selection, true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", learningRate, 0.0, trainables.all());
    TrainerConfig config = new TrainerConfig(steps, 1, 1.0, LrSchedule.cosine(LrSchedule.Warmup.ratio(0.05)),
        NanPolicy.STOP, 0, 0, Optional.empty());
    List<TrainingListener> listeners = progress ? List.of(ProgressBarListener.console()) : List.of();
    return new Trainer<>(trainables, adam, task, config, null, listeners).run(from -> batches);
  }
}
