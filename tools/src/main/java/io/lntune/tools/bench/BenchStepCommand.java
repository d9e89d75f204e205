package io.lntune.tools.bench;

import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.where;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.ThreadMXBean;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.torch.DType;
import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.data.Batch;
import io.lntune.training.data.DataLoader;
import io.lntune.training.distributed.DataParallel;
import io.lntune.training.distributed.DistributedBackend;
import io.lntune.training.distributed.DistributedGroup;
import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.distributed.TorchrunEnvironment;
import io.lntune.training.loop.NextTokenTask;
import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingTask;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.OptimizerGroups;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.run.Preparation;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune bench-step}: trains one configuration for a few steps and prints a {@link
 * StepResult} as one JSON line after {@link #MARKER}. {@code lntune bench} runs it in a fresh
 * process per configuration, because a process's peak resident memory only ever grows; with {@code
 * --data-parallel}, as the ranks of a job, each training its rows of the batch.
 */
@Command(
    name = "bench-step",
    hidden = true,
    description = "One configuration of lntune bench, in its own process.")
public final class BenchStepCommand implements Callable<Integer> {
  /** Precedes the result's JSON on stdout. */
  static final String MARKER = "lntune-bench-step: ";

  /** A configuration suffix: activation recomputation. */
  static final String RECOMPUTE = "+recompute";

  /** A configuration suffix: batches from a {@link DataLoader} ({@link LoaderData}). */
  static final String LOADER = "+loader";

  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Spec CommandSpec spec;

  @Option(names = "--size", required = true)
  String size;

  @Option(
      names = "--run",
      required = true,
      description = "A strategy, optionally with +recompute, then " + "optionally +loader.")
  String config;

  @Option(names = "--dtype", required = true)
  String dtype;

  @Option(names = "--steps", required = true)
  int steps;

  @Option(names = "--warmup", required = true)
  int warmup;

  @Option(names = "--lora-r")
  int loraR = RunDefaults.LORA.r();

  @Option(
      names = "--loader-batch",
      defaultValue = "8",
      description = "Samples per batch of a +loader run.")
  int loaderBatch;

  @Option(
      names = "--batch",
      description = "Samples in the fixed batch (default: the size's); a rank trains its share.")
  Long batch;

  @Option(names = "--threads", description = "libtorch's threads (default: as started).")
  Integer threads;

  @Option(
      names = "--data-parallel",
      description =
          "Train as one rank of the data-parallel job the torchrun-style environment names: this"
              + " rank's rows of the fixed batch, the gradients all-reduced every step.")
  boolean dataParallel;

  @Override
  public Integer call() throws Exception {
    BenchSize s = BenchSize.parse(size);
    boolean loader = config.endsWith(LOADER);
    String run = loader ? config.substring(0, config.length() - LOADER.length()) : config;
    boolean recompute = run.endsWith(RECOMPUTE);
    Strategy strategy =
        Strategy.parse(recompute ? run.substring(0, run.length() - RECOMPUTE.length()) : run);
    if (dataParallel && loader) {
      throw new IllegalArgumentException(
          "--data-parallel trains on the fixed batch, not with " + LOADER + ": " + config);
    }
    if (threads != null) {
      Torch.setThreads(threads);
    }
    Optional<DistributedGroup> group = join();
    try {
      return train(s, strategy, recompute, loader, group);
    } finally {
      group.ifPresent(DistributedGroup::close);
    }
  }

  /**
   * {@return with {@code --data-parallel}, the group of the job the environment names}
   *
   * @throws IllegalArgumentException if the environment names none
   */
  private Optional<DistributedGroup> join() {
    if (!dataParallel) {
      return Optional.empty();
    }
    TorchrunEnvironment env =
        TorchrunEnvironment.from(System.getenv())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--data-parallel needs the torchrun-style environment: "
                            + String.join(", ", TorchrunEnvironment.VARIABLES)));
    // Gloo: lntune bench --data-parallel compares on the CPU sizes only.
    return Optional.of(
        DistributedGroup.join(env, DistributedBackend.GLOO, DistributedSettings.DEFAULT_TIMEOUT));
  }

  /**
   * Trains the configuration, as a rank of {@code group} when there is one, and prints the result.
   */
  private int train(
      BenchSize s,
      Strategy strategy,
      boolean recompute,
      boolean loader,
      Optional<DistributedGroup> group)
      throws Exception {
    LlamaModel model = BenchModels.build(s, DType.parse(dtype), 1);
    Setup setup = setUp(model, strategy, loraR);
    TrainableParameters trainables = setup.trainables();
    Optional<DataParallel> parallel = group.map(g -> new DataParallel(g, trainables));
    NextTokenTask<TokenBatch> task = new NextTokenTask<>(model, recompute);
    Phases phases = new Phases();
    Recorder recorder = new Recorder(warmup, phases);
    TrainerConfig trainer = RunDefaults.trainer(warmup + steps, RunDefaults.schedule());
    long peakBeforeRun =
        MemoryStats.peakResidentBytes(); // the trainer resets the mark when it starts
    if (loader) {
      try (LoaderData data = LoaderData.create(loaderBatch, warmup + steps, (int) s.sequence)) {
        new Trainer<>(
                trainables,
                setup.optimizer(),
                new LoaderTask(model, task, phases),
                trainer,
                null,
                List.of(recorder))
            .run(from -> data.loader());
      }
    } else {
      TokenBatch batch = tokenBatch(s, model, group);
      Iterator<TokenBatch> data =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return true;
            }

            @Override
            public TokenBatch next() {
              return batch; // the same batch every step: no per-step allocation in the data path
            }
          };
      Trainer<TokenBatch> t =
          new Trainer<>(
              trainables,
              setup.optimizer(),
              new TextTask(task, phases),
              trainer,
              null,
              List.of(recorder));
      parallel.ifPresent(t::setDataParallel);
      t.run(from -> data);
      parallel.ifPresent(DataParallel::close); // its gradient hooks
    }
    double overhead = recorder.stopSampling();
    double median = recorder.medianMillis();
    long tokens = (long) MachineProbes.median(recorder.tokens);
    double flops = BenchModels.stepFlops(model, tokens);
    List<MemoryStats.CudaMemory> cuda = MemoryStats.now().cuda();
    // The kernel's resident counters are approximate by a few dozen pages, so the mark read now can
    // trail the base
    // read after its reset; the measured steps' peak is at least that base.
    long stepPeak = Math.max(MemoryStats.peakResidentBytes(), recorder.base);
    long peak = Math.max(peakBeforeRun, Math.max(recorder.peakBefore, stepPeak));
    StepResult r =
        new StepResult(
            config,
            median,
            MachineProbes.median(recorder.forwardMillis),
            MachineProbes.median(recorder.backwardMillis),
            tokens / (median / 1000),
            peak,
            recorder.base,
            stepPeak,
            recorder.activationBytes,
            cuda.isEmpty() ? -1 : cuda.get(0).peakAllocatedBytes(),
            flops,
            flops / (median / 1000),
            overhead,
            trainables.trainableCount(),
            trainables.totalCount(),
            List.copyOf(recorder.losses),
            MachineProbes.median(recorder.dataMillis),
            MachineProbes.median(recorder.dataShares),
            (long) MachineProbes.median(recorder.javaBytes),
            (long) MachineProbes.median(recorder.taskJavaBytes),
            parallel.map(DataParallel::bytesPerStep).orElse(0L),
            List.of(median));
    PrintWriter out = spec.commandLine().getOut();
    out.println(MARKER + new ObjectMapper().writeValueAsString(r));
    out.flush();
    model.close();
    return 0;
  }

  /**
   * The trainable parameters and the optimizer of a run of {@code strategy}, made as {@code fit()}
   * makes them with the builder's defaults: the same preparation, optimizer groups, learning rate
   * and weight decay.
   */
  record Setup(TrainableParameters trainables, AdamW optimizer) {}

  /**
   * {@return {@code model} prepared for {@code strategy} (LoRA of rank {@code loraR}), and its
   * optimizer}
   */
  static Setup setUp(LlamaModel model, Strategy strategy, int loraR) {
    Selection selection = Selection.of(strategy);
    Optional<LoraConfig> lora =
        strategy == Strategy.LORA
            ? Optional.of(RunDefaults.LORA.withRank(loraR))
            : Optional.empty();
    TrainableParameters trainables =
        Preparation.trainables(model, selection, lora, RunDefaults.SEED);
    double lr = RunDefaults.learningRate(selection);
    return new Setup(
        trainables, OptimizerGroups.adamW(trainables, lr, lr, RunDefaults.WEIGHT_DECAY));
  }

  /**
   * {@return the fixed batch of random tokens every step of a configuration without the loader
   * trains on; in a data-parallel job, this rank's rows of it}
   *
   * @throws IllegalArgumentException if the ranks cannot share the batch's rows evenly
   */
  private TokenBatch tokenBatch(BenchSize s, LlamaModel model, Optional<DistributedGroup> group) {
    long rows = batch != null ? batch : s.batch;
    int world = group.map(DistributedGroup::worldSize).orElse(1);
    if (rows < 1 || rows % world != 0) {
      throw new IllegalArgumentException(
          "--batch must be a positive multiple of the " + world + " ranks, got " + rows);
    }
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(7);
      Tensor ids =
          randint(
                  s.config().vocabSize(),
                  new long[] {rows, s.sequence},
                  new TensorOptions(ScalarType.Long))
              .narrow(0, group.map(DistributedGroup::rank).orElse(0) * (rows / world), rows / world)
              .to(model.placement().device().toTorch(), ScalarType.Long);
      return new TokenBatch(scope.keep(ids));
    }
  }

  /** {@return the bytes this thread has allocated on the Java heap so far} */
  static long threadAllocatedBytes() {
    return THREADS.getCurrentThreadAllocatedBytes();
  }

  /** The batch every step reuses; the trainer's close after the step leaves it alone. */
  private record TokenBatch(Tensor ids) implements NextTokenTask.Tokens {
    @Override
    public void close() {}
  }

  /**
   * What the last step's forward and backward took: time, and the resident memory the forward left
   * behind.
   */
  private static final class Phases {
    double forwardMillis;
    double backwardMillis;
    long activationBytes;
    long tokens;

    /** Java heap bytes the task's calls allocated on the training thread during the step. */
    long taskJavaBytes;

    /**
     * Java heap bytes the bench's own probes (resident memory) allocated on the training thread
     * during the step.
     */
    long benchJavaBytes;
  }

  /**
   * The run's next-token task on the decoder's own input. Notes each phase's time and the resident
   * memory the forward and loss add: what the graph keeps for the backward (saved activations,
   * logits, recomputation's layer inputs).
   */
  private record TextTask(NextTokenTask<TokenBatch> task, Phases phases)
      implements TrainingTask<TokenBatch> {
    @Override
    public CausalLmLoss.Result loss(TokenBatch batch) {
      return timedLoss(task, phases, batch.ids(), batch.labels());
    }

    @Override
    public void backward(CausalLmLoss.Result loss) {
      timedBackward(task, phases, loss);
    }
  }

  /**
   * As {@link TextTask}, on the loader's batches: the text rows with the image placeholder as token
   * 0, the labels as the data pipeline masked them; the pictures the loader prepared are not used
   * by this text-only decoder.
   */
  private record LoaderTask(LlamaModel model, NextTokenTask<TokenBatch> task, Phases phases)
      implements TrainingTask<Batch> {
    @Override
    public CausalLmLoss.Result loss(Batch batch) {
      Tensor ids = batch.inputIds().clamp_min(new Scalar(0L));
      Tensor labels = batch.labels();
      Scalar vocab = new Scalar(model.config().vocabSize());
      if (ids.max().item_long()
          >= model.config().vocabSize()) { // tiny's vocabulary: fold the ids in
        ids = ids.remainder(vocab);
        labels = where(labels.lt(new Scalar(0L)), labels, labels.remainder(vocab));
      }
      return timedLoss(task, phases, ids, labels);
    }

    @Override
    public void backward(CausalLmLoss.Result loss) {
      timedBackward(task, phases, loss);
    }
  }

  private static CausalLmLoss.Result timedLoss(
      NextTokenTask<?> task, Phases phases, Tensor ids, Tensor labels) {
    long probe = threadAllocatedBytes();
    long before = MemoryStats.residentBytes();
    long bytes = threadAllocatedBytes();
    phases.benchJavaBytes += bytes - probe; // reading /proc: the bench's, not the trainer's
    long start = System.nanoTime();
    CausalLmLoss.Result out = task.loss(ids, labels);
    phases.forwardMillis = (System.nanoTime() - start) / 1e6;
    probe = threadAllocatedBytes();
    phases.taskJavaBytes += probe - bytes;
    phases.activationBytes = MemoryStats.residentBytes() - before;
    phases.tokens = ids.numel();
    phases.benchJavaBytes += threadAllocatedBytes() - probe;
    return out;
  }

  private static void timedBackward(
      NextTokenTask<?> task, Phases phases, CausalLmLoss.Result loss) {
    long bytes = threadAllocatedBytes();
    long start = System.nanoTime();
    task.backward(loss);
    phases.backwardMillis = (System.nanoTime() - start) / 1e6;
    phases.taskJavaBytes += threadAllocatedBytes() - bytes;
  }

  /**
   * Step times after the warm-up, and the memory and framework-overhead figures of the same steps.
   */
  private static final class Recorder implements TrainingListener {
    private final int warmup;
    private final Phases phases;
    private final List<Double> millis = new ArrayList<>();
    private final List<Double> forwardMillis = new ArrayList<>();
    private final List<Double> backwardMillis = new ArrayList<>();
    private final List<Double> tokens = new ArrayList<>();
    private final List<Double> dataMillis = new ArrayList<>();
    private final List<Double> dataShares = new ArrayList<>();
    private final List<Double> javaBytes = new ArrayList<>();
    private final List<Double> taskJavaBytes = new ArrayList<>();

    /** The thread's allocation counter when the last onStep returned; -1 before the first. */
    private long allocatedAfterLastStep = -1;

    private long activationBytes;
    private NativeTimeSampler sampler;
    private final List<Double> losses = new ArrayList<>();
    private long peakBefore;
    private long base;

    Recorder(int warmup, Phases phases) {
      this.warmup = warmup;
      this.phases = phases;
      if (warmup == 0) {
        startMeasuring();
      }
    }

    /**
     * Notes what persists between steps and resets the resident high-water mark, so that the
     * measured steps' peak is their own (without a reset, it is the process's).
     */
    private void startMeasuring() {
      peakBefore = MemoryStats.peakResidentBytes();
      MemoryStats.resetPeakResident();
      base = MemoryStats.residentBytes();
      sampler = NativeTimeSampler.start(Thread.currentThread());
    }

    @Override
    public void onStep(StepMetrics m) {
      // The step's Java allocation on the training thread: from the end of the last onStep to here,
      // so that this
      // listener's own bookkeeping is left out, and without the task's probes of resident memory;
      // the task's share
      // was counted by the task.
      long allocated = threadAllocatedBytes();
      long stepBytes =
          allocatedAfterLastStep < 0
              ? -1
              : allocated - allocatedAfterLastStep - phases.benchJavaBytes;
      losses.add(m.loss());
      if (m.step() > warmup) {
        millis.add(m.stepMillis());
        forwardMillis.add(phases.forwardMillis);
        backwardMillis.add(phases.backwardMillis);
        tokens.add((double) phases.tokens);
        dataMillis.add(m.dataMillis());
        dataShares.add(m.dataMillis() / m.stepMillis());
        if (stepBytes >= 0) {
          javaBytes.add((double) stepBytes);
          taskJavaBytes.add((double) phases.taskJavaBytes);
        }
        activationBytes = Math.max(activationBytes, phases.activationBytes);
      }
      if (m.step() == warmup) {
        startMeasuring();
      }
      phases.taskJavaBytes = 0;
      phases.benchJavaBytes = 0;
      allocatedAfterLastStep = threadAllocatedBytes();
    }

    double stopSampling() {
      return sampler.stop();
    }

    double medianMillis() {
      return MachineProbes.median(millis);
    }
  }
}
