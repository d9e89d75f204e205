package io.lntune.training.loop;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import io.lntune.training.checkpoint.AtomicDirectory;
import io.lntune.training.checkpoint.CheckpointState;
import io.lntune.training.checkpoint.TrainingCheckpoints;
import io.lntune.training.distributed.DataParallel;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.GradientClipping;
import io.lntune.training.optim.GradientNoise;
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
 * The training loop. Each step reads {@code gradientAccumulation} micro-batches (timing how long it
 * waits for them: {@link StepMetrics#dataMillis()}), each in its own native-memory scope,
 * backpropagates their summed token losses, divides the gradients by the step's supervised token
 * count (so the loss is the mean over all of them), clips, and lets AdamW update the fp32 masters,
 * which are then copied into the model. Checkpoints make a run resumable exactly.
 *
 * <p>A run is {@code resume} (the newest checkpoint, if any), then {@code step} (forward, backward,
 * clip, update, zero) and {@code afterStep} (listeners, evaluation, checkpoints) until {@code
 * maxSteps}. Not thread-safe.
 *
 * <p>Data-parallel ({@link #setDataParallel}): each rank reads its own micro-batches; the step's
 * losses, token counts and gradients are summed over the ranks (the gradients' sums start during
 * the last micro-batch's backward) before the division by the tokens, so every rank takes the step
 * one process would on the whole global batch. Rank 0 alone writes checkpoints, and evaluates; the
 * others wait for it at a barrier.
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
     * @return named figures (an accuracy, a held-out loss), passed to the listeners and written to
     *     metrics.jsonl
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
  private Optional<DataParallel> parallel = Optional.empty();

  // Where the run is: set by resume(), advanced by step().
  private long step; // the last step taken, 0 before the first
  private long consumed; // micro-batches read, where a resumed run continues the data
  private Optional<Path> checkpoint = Optional.empty(); // the last written or resumed from
  private final List<Double> losses = new ArrayList<>(); // of this run's steps
  private DivergenceGuard guard;
  private long started; // System.nanoTime() when the steps began
  // The step's totals, summed over its micro-batches by step(), forwardBackward() and nextBatch().
  private double stepLossSum;
  private long stepTokens;
  private long stepDataNanos;

  /**
   * A trainer for one run.
   *
   * @param trainables the parameters to train
   * @param optimizer updates {@code trainables}' masters
   * @param task the forward and backward pass on one micro-batch
   * @param config the run's length, accumulation, clipping, schedule, NaN policy and checkpoints
   * @param configJson the run's settings, written into every checkpoint
   * @param listeners told of every step, evaluation and checkpoint
   */
  public Trainer(
      TrainableParameters trainables,
      AdamW optimizer,
      TrainingTask<B> task,
      TrainerConfig config,
      JsonNode configJson,
      List<TrainingListener> listeners) {
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
   * Makes the run one rank of a data-parallel job: every step sums the ranks' gradients, and only
   * rank 0 writes checkpoints and evaluates.
   */
  public void setDataParallel(DataParallel parallel) {
    this.parallel = Optional.of(parallel);
    log.info(
        "rank {} of {} ({}): {} bytes all-reduced per step, in {} buckets",
        parallel.group().rank(),
        parallel.group().worldSize(),
        parallel.group().backend(),
        parallel.bytesPerStep(),
        parallel.buckets());
  }

  /**
   * Runs to {@code maxSteps}, first resuming from the newest checkpoint in the output directory, if
   * there is one.
   *
   * @param data the micro-batches from a given position (0 for the start; a resumed run asks for
   *     the position its checkpoint recorded)
   * @return the steps run, their losses and the last checkpoint
   * @throws TrainingDivergedException if a loss or gradient is not finite and the policy is to stop
   */
  public TrainingRun run(LongFunction<Iterator<B>> data) {
    resume();
    long firstStep = step + 1;
    listeners.forEach(
        l ->
            l.onStart(
                firstStep,
                config.maxSteps(),
                trainables.trainableCount(),
                trainables.totalCount()));
    Iterator<B> batches = data.apply(consumed);
    long startRss = MemoryStats.residentBytes();
    // The kernel keeps the high-water mark, intra-step peaks included: reset it now, read it once
    // at the end, and
    // leave /proc alone during the steps.
    MemoryStats.resetPeakResident();
    started = System.nanoTime();
    while (step < config.maxSteps()) {
      afterStep(step(batches));
    }
    guard.finish(step, step - firstStep + 1);
    long end = step;
    listeners.forEach(l -> l.onEnd(end));
    return new TrainingRun(
        firstStep,
        step,
        losses,
        trainables.trainableCount(),
        trainables.totalCount(),
        Math.max(startRss, MemoryStats.peakResidentBytes()),
        checkpoint);
  }

  /**
   * Restores the newest checkpoint in the output directory, if there is one, after removing
   * unfinished writes.
   */
  private void resume() {
    step = 0;
    consumed = 0;
    losses.clear();
    guard = new DivergenceGuard(config.nanPolicy());
    if (isMain()) {
      config.outputDir().ifPresent(Trainer::removeLeftovers);
    }
    parallel.ifPresent(p -> p.group().barrier("removing unfinished writes"));
    checkpoint = config.outputDir().flatMap(TrainingCheckpoints::latest);
    checkpoint.ifPresent(
        last -> {
          CheckpointState state = TrainingCheckpoints.restore(last, trainables, optimizer);
          step = state.step();
          consumed = state.microBatchesConsumed();
          log.info("resuming from {} (step {})", last, step);
        });
    trainables.clearGradients(); // nothing left over from an earlier, interrupted run
  }

  /**
   * One optimizer step: forward and backward over the step's micro-batches, each in its own
   * native-memory scope, the summed gradients divided by the step's supervised tokens, clipped,
   * applied by AdamW and zeroed. A non-finite loss or gradient norm skips the update (or stops the
   * run, as the NaN policy says).
   */
  private StepMetrics step(Iterator<B> batches) {
    long stepStart = System.nanoTime();
    step++;
    stepLossSum = 0;
    stepTokens = 0;
    stepDataNanos = 0;
    Optional<GradientNoise> noise =
        every(config.gradientStatsEvery())
            ? Optional.of(GradientNoise.start(optimizer.groups()))
            : Optional.empty();
    for (int micro = 0; micro < config.gradientAccumulation(); micro++) {
      if (parallel.isPresent() && micro == config.gradientAccumulation() - 1) {
        parallel.get().reduceDuringNextBackward(step); // the all-reduce overlaps the last backward
      }
      long tokens = forwardBackward(nextBatch(batches));
      if (noise.isPresent() && tokens > 0) {
        noise.get().afterMicroBatch(tokens);
      }
    }
    Map<String, GradientNoise.Stats> gradients =
        noise.isPresent() ? noise.get().finish(stepTokens) : Map.of(); // before the mean's scaling
    if (parallel.isPresent()) { // this rank's sums become the global batch's
      DataParallel.StepTotals totals = parallel.get().allReduce(stepLossSum, stepTokens, step);
      stepLossSum = totals.lossSum();
      stepTokens = totals.tokens();
    }
    double loss = stepTokens == 0 ? 0 : stepLossSum / stepTokens;
    GradientClipping.Clip clip = Double.isFinite(loss) ? meanAndClip(stepTokens) : null; // clip
    double gradNorm = clip != null ? clip.norm() : Double.NaN;
    double lrFactor = config.schedule().factor(step - 1, config.maxSteps());
    if (Double.isFinite(gradNorm)) { // optimizer
      guard.finite(step, loss);
      optimizer.step(lrFactor, clip.factor()); // the mean's and clipping's factor applied here
      trainables.syncToModel();
    }
    trainables.clearGradients(); // zero
    boolean skipped =
        !Double.isFinite(gradNorm)
            && guard.nonFinite(step, Double.isFinite(loss) ? "the gradient norm" : "the loss");
    losses.add(loss);
    return metrics(stepStart, loss, gradNorm, lrFactor, skipped, gradients);
  }

  /**
   * Forward and backward over one micro-batch in its own native-memory scope, its gradients
   * collected into the fp32 accumulators. {@return the micro-batch's supervised tokens}
   */
  private long forwardBackward(B batch) {
    long tokens;
    try (batch;
        TensorScope scope = TensorScope.open()) {
      CausalLmLoss.Result out = task.loss(batch); // forward
      stepLossSum += out.sum().item_double();
      tokens = out.tokens();
      task.backward(out); // backward
    } catch (Exception e) {
      throw e instanceof RuntimeException r
          ? r
          : new IllegalStateException("closing a batch: " + e.getMessage(), e);
    }
    trainables.collectGradients();
    stepTokens += tokens;
    return tokens;
  }

  /** {@return the next micro-batch, counted as consumed, the wait for it timed} */
  private B nextBatch(Iterator<B> batches) {
    long waitStart = System.nanoTime();
    if (!batches.hasNext()) {
      throw new IllegalStateException(
          "the data ran out at step " + step + " (micro-batch " + consumed + ")");
    }
    consumed++;
    B batch = batches.next();
    stepDataNanos += System.nanoTime() - waitStart;
    return batch;
  }

  private StepMetrics metrics(
      long stepStart,
      double loss,
      double gradNorm,
      double lrFactor,
      boolean skipped,
      Map<String, GradientNoise.Stats> gradients) {
    double stepMillis = (System.nanoTime() - stepStart) / 1e6;
    return new StepMetrics(
        step,
        config.maxSteps(),
        loss,
        optimizer.groups().get(0).learningRate() * lrFactor,
        gradNorm,
        stepTokens,
        stepTokens / (stepMillis / 1000),
        stepMillis,
        stepDataNanos / 1e6,
        (System.nanoTime() - started) / 1_000_000,
        skipped,
        gradients);
  }

  /**
   * What turns the summed gradients of the step's token losses into those of their mean, clipped:
   * the optimizer applies its factor as it reads them. {@return the norm before clipping, and the
   * factor}
   */
  private GradientClipping.Clip meanAndClip(long tokens) {
    return GradientClipping.measure(
        trainables.all(), tokens > 0 ? 1.0 / tokens : 1.0, config.maxGradNorm());
  }

  /** Tells the listeners, evaluates and writes a checkpoint when their turn comes. */
  private void afterStep(StepMetrics metrics) {
    // An indexed loop: a lambda here would allocate every step (TrainerAllocationTest bounds the
    // loop's allocation).
    for (int i = 0; i < listeners.size(); i++) {
      listeners.get(i).onStep(metrics);
    }
    if (evaluation != null && isMain() && every(config.evaluateEvery())) {
      Map<String, Double> results = evaluation.evaluate(step);
      listeners.forEach(l -> l.onEvaluate(step, results));
    }
    if (config.outputDir().isPresent()
        && (every(config.checkpointEvery()) || step == config.maxSteps())) {
      if (isMain()) {
        writeCheckpoint(config.outputDir().get());
      }
      parallel.ifPresent(p -> p.group().barrier("the checkpoint of step " + step));
    }
  }

  /** {@return whether this process writes checkpoints: the only one, or rank 0} */
  private boolean isMain() {
    return parallel.isEmpty() || parallel.get().group().isMain();
  }

  private boolean every(long period) {
    return period > 0 && step % period == 0;
  }

  private void writeCheckpoint(Path outputDir) {
    Path written =
        TrainingCheckpoints.write(outputDir, step, consumed, trainables, optimizer, configJson);
    checkpoint = Optional.of(written);
    if (config.keepCheckpoints() > 0) {
      TrainingCheckpoints.prune(outputDir, config.keepCheckpoints());
    }
    listeners.forEach(l -> l.onCheckpoint(step, written));
  }

  /**
   * A run killed while writing leaves hidden temporaries of up to a checkpoint's size: they go when
   * it reruns.
   */
  private static void removeLeftovers(Path outputDir) {
    try {
      List<Path> removed = AtomicDirectory.removeLeftovers(outputDir);
      if (!removed.isEmpty()) {
        log.info(
            "removed {} unfinished writes of an interrupted run from {}: {}",
            removed.size(),
            outputDir,
            removed.stream().map(p -> p.getFileName().toString()).toList());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing the unfinished writes in " + outputDir, e);
    }
  }
}
