package io.lntune.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import io.lntune.training.checkpoint.AtomicDirectory;
import io.lntune.training.checkpoint.CheckpointState;
import io.lntune.training.checkpoint.TrainingCheckpoints;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.GradientClipping;
import io.lntune.training.optim.TrainableParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop. Each step reads {@code gradientAccumulation} micro-batches (timing how long it waits for
 * them: {@link StepMetrics#dataMillis()}), each in its own native-memory scope, backpropagates their summed token
 * losses, divides the gradients by the step's supervised token count (so the loss is the mean over all of them),
 * clips, and lets AdamW update the fp32 masters, which are then copied into the model. Checkpoints make a run
 * resumable exactly.
 *
 * <pre>{@code
 * Trainer<Batch> trainer = new Trainer<>(trainables, optimizer, task, config, configJson, List.of(listener));
 * TrainingRun run = trainer.run(position -> dataset.batches(position));   // resumes from the last checkpoint if any
 * }</pre>
 *
 * @param <B> the micro-batch type
 */
public final class Trainer<B extends AutoCloseable> {
  private static final Logger log = LoggerFactory.getLogger(Trainer.class);

  /** Periodic evaluation, called every {@link TrainerConfig#evaluateEvery()} steps. */
  @FunctionalInterface
  public interface Evaluation {
    /**
     * Evaluates the model as it is after {@code step}.
     *
     * @param step the optimizer step just completed (1-based)
     * @return named figures (an accuracy, a held-out loss), passed to the listeners and written to metrics.jsonl
     */
    Map<String, Double> evaluate(long step);
  }

  private final TrainableParameters trainables;
  private final AdamW optimizer;
  private final TrainingTask<B> task;
  private final TrainerConfig config;
  private final JsonNode configJson;
  private final List<TrainingListener> listeners;
  private Evaluation evaluation;

  public Trainer(TrainableParameters trainables, AdamW optimizer, TrainingTask<B> task, TrainerConfig config,
      JsonNode configJson, List<TrainingListener> listeners) {
    this.trainables = trainables;
    this.optimizer = optimizer;
    this.task = task;
    this.config = config;
    this.configJson = configJson;
    this.listeners = List.copyOf(listeners);
  }

  /** Sets the hook called every {@code evaluateEvery} steps. */
  public void setEvaluation(Evaluation evaluation) {
    this.evaluation = evaluation;
  }

  /**
   * Runs to {@code maxSteps}, first resuming from the newest checkpoint in the output directory, if there is one.
   *
   * @param data the micro-batches from a given position (0 for the start; a resumed run asks for the position its
   *     checkpoint recorded)
   * @throws TrainingDivergedException if a loss or gradient is not finite and the policy is to stop
   */
  public TrainingRun run(LongFunction<Iterator<B>> data) {
    long step = 0;
    long consumed = 0;
    if (config.outputDir() != null) {
      removeLeftovers(config.outputDir());
    }
    Optional<Path> last = config.outputDir() == null ? Optional.empty() : TrainingCheckpoints.latest(config.outputDir());
    if (last.isPresent()) {
      CheckpointState state = TrainingCheckpoints.restore(last.get(), trainables, optimizer);
      step = state.step();
      consumed = state.microBatchesConsumed();
      log.info("resuming from {} (step {})", last.get(), step);
    }
    trainables.clearGradients(); // nothing left over from an earlier, interrupted run
    long firstStep = step + 1;
    listeners.forEach(l -> l.onStart(firstStep, config.maxSteps(), trainables.trainableCount(), trainables.totalCount()));
    Iterator<B> batches = data.apply(consumed);
    // Per step the trainer allocates no Java objects of its own beyond the step's metrics: no boxed losses, no
    // lambdas, no copies of the groups (see TrainerAllocationTest).
    double[] losses = new double[(int) Math.min(Math.max(config.maxSteps() - step, 0), 1 << 16)];
    int lossCount = 0;
    double learningRate = optimizer.groups().get(0).learningRate();
    long started = System.nanoTime();
    long startRss = MemoryStats.residentBytes();
    // The kernel keeps the high-water mark, intra-step peaks included: reset it now, read it once at the end, and
    // leave /proc alone during the steps.
    MemoryStats.resetPeakResident();
    Path checkpoint = last.orElse(null);
    DivergenceGuard guard = new DivergenceGuard(config.nanPolicy());
    while (step < config.maxSteps()) {
      step++;
      long stepStart = System.nanoTime();
      double lossSum = 0;
      long tokens = 0;
      long dataNanos = 0;
      for (int micro = 0; micro < config.gradientAccumulation(); micro++) {
        long waitStart = System.nanoTime();
        if (!batches.hasNext()) {
          throw new IllegalStateException("the data ran out at step " + step + " (micro-batch " + consumed + ")");
        }
        B batch = batches.next();
        dataNanos += System.nanoTime() - waitStart;
        try (batch; TensorScope scope = TensorScope.open()) {
          LossOutput out = task.loss(batch);
          lossSum += out.sum().item_double();
          tokens += out.tokens();
          task.backward(out);
        } catch (Exception e) {
          throw e instanceof RuntimeException r ? r : new IllegalStateException("closing a batch: " + e.getMessage(), e);
        }
        trainables.collectGradients();
        consumed++;
      }
      double loss = tokens == 0 ? 0 : lossSum / tokens;
      double lrFactor = config.schedule().factor(step - 1, config.maxSteps());
      double gradNorm = Double.NaN;
      boolean skipped = false;
      if (Double.isFinite(loss)) {
        if (tokens > 0) {
          trainables.scaleGradients(1.0 / tokens); // summed token losses -> mean over the step's tokens
        }
        gradNorm = GradientClipping.clip(trainables.all(), config.maxGradNorm());
      }
      if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
        trainables.clearGradients();
        skipped = guard.nonFinite(step, Double.isFinite(loss) ? "the gradient norm" : "the loss");
      } else {
        guard.finite(step, loss);
        optimizer.step(lrFactor);
        trainables.syncToModel();
      }
      trainables.clearGradients();
      if (lossCount == losses.length) {
        losses = java.util.Arrays.copyOf(losses, Math.max(16, 2 * losses.length));
      }
      losses[lossCount++] = loss;
      double stepMillis = (System.nanoTime() - stepStart) / 1e6;
      StepMetrics metrics = new StepMetrics(step, config.maxSteps(), loss, learningRate * lrFactor, gradNorm, tokens,
          tokens / (stepMillis / 1000), stepMillis, dataNanos / 1e6, (System.nanoTime() - started) / 1_000_000,
          skipped);
      for (int i = 0; i < listeners.size(); i++) {
        listeners.get(i).onStep(metrics);
      }
      if (evaluation != null && config.evaluateEvery() > 0 && step % config.evaluateEvery() == 0) {
        long at = step;
        Map<String, Double> results = evaluation.evaluate(at);
        listeners.forEach(l -> l.onEvaluate(at, results));
      }
      boolean periodic = config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0;
      if (config.outputDir() != null && (periodic || step == config.maxSteps())) {
        checkpoint = TrainingCheckpoints.write(config.outputDir(), step, consumed, trainables, optimizer, configJson);
        if (config.keepCheckpoints() > 0) {
          TrainingCheckpoints.prune(config.outputDir(), config.keepCheckpoints());
        }
        Path written = checkpoint;
        long at = step;
        listeners.forEach(l -> l.onCheckpoint(at, written));
      }
    }
    guard.finish(step, step - firstStep + 1);
    long end = step;
    listeners.forEach(l -> l.onEnd(end));
    List<Double> lossList = new ArrayList<>(lossCount);
    for (int i = 0; i < lossCount; i++) {
      lossList.add(losses[i]);
    }
    return new TrainingRun(firstStep, step, lossList, trainables.trainableCount(), trainables.totalCount(),
        Math.max(startRss, MemoryStats.peakResidentBytes()), Optional.ofNullable(checkpoint));
  }

  /** A run killed while writing leaves hidden temporaries of up to a checkpoint's size: they go when it reruns. */
  private static void removeLeftovers(Path outputDir) {
    try {
      List<Path> removed = AtomicDirectory.removeLeftovers(outputDir);
      if (!removed.isEmpty()) {
        log.info("removed {} unfinished writes of an interrupted run from {}: {}", removed.size(), outputDir,
            removed.stream().map(p -> p.getFileName().toString()).toList());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing the unfinished writes in " + outputDir, e);
    }
  }
}
