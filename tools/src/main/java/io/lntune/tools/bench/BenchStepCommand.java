package io.lntune.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.torch.DType;
import io.lntune.torch.MemoryStats;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.loop.LossOutput;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.Trainer;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingTask;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune bench-step}: trains one configuration for a few steps and prints a {@link StepResult} as one JSON
 * line after {@link #MARKER}. {@code lntune bench} runs it in a fresh process per configuration, because a
 * process's peak resident memory only ever grows.
 */
@Command(name = "bench-step", hidden = true, description = "One configuration of lntune bench, in its own process.")
public final class BenchStepCommand implements Callable<Integer> {
  /** Precedes the result's JSON on stdout. */
  static final String MARKER = "lntune-bench-step: ";

  @Spec CommandSpec spec;

  @Option(names = "--size", required = true)
  String size;

  @Option(names = "--run", required = true, description = "A strategy, optionally with +recompute.")
  String config;

  @Option(names = "--dtype", required = true)
  String dtype;

  @Option(names = "--steps", required = true)
  int steps;

  @Option(names = "--warmup", required = true)
  int warmup;

  @Option(names = "--lora-r", defaultValue = "64")
  int loraR;

  @Override
  public Integer call() throws Exception {
    BenchSize s = BenchSize.parse(size);
    boolean recompute = config.endsWith("+recompute");
    Strategy strategy = Strategy.parse(recompute ? config.substring(0, config.length() - "+recompute".length()) : config);
    LlamaModel model = BenchModels.build(s, DType.parse(dtype), 1);
    if (strategy == Strategy.LORA) {
      Lora.attach(model.blockLinears(), LoraConfig.defaults().withRank(loraR), 1);
    }
    TrainableParameters trainables = TrainableParameters.select(model, Selection.of(strategy), true);
    model.setActivationRecomputation(recompute);
    model.train(true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", strategy.defaultLearningRate(), 0.0, trainables.all());
    Tensor ids;
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(7);
      ids = scope.keep(org.bytedeco.pytorch.global.torch.randint(s.config().vocabSize(), new long[] {s.batch, s.sequence},
          new org.bytedeco.pytorch.TensorOptions(org.bytedeco.pytorch.global.torch.ScalarType.Long))
          .to(model.placement().device().toTorch(), org.bytedeco.pytorch.global.torch.ScalarType.Long));
    }
    TokenBatch batch = new TokenBatch(ids);
    Iterator<TokenBatch> data = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public TokenBatch next() {
        return batch; // the same batch every step: no per-step allocation in the data path
      }
    };
    Recorder recorder = new Recorder(warmup);
    TrainerConfig run = new TrainerConfig(warmup + steps, 1, 1.0, LrSchedule.constant(LrSchedule.Warmup.none()),
        NanPolicy.STOP, 0, 0, null);
    new Trainer<>(trainables, adam, new TextTask(model), run, null, List.of(recorder)).run(from -> data);
    double overhead = recorder.stopSampling();
    double median = recorder.medianMillis();
    long tokens = s.batch * s.sequence;
    double flops = BenchModels.stepFlops(model, tokens);
    List<MemoryStats.CudaMemory> cuda = MemoryStats.now().cuda();
    long stepPeak = MemoryStats.peakResidentBytes();
    StepResult r = new StepResult(config, median, tokens / (median / 1000), Math.max(recorder.peakBefore, stepPeak),
        recorder.base, stepPeak, cuda.isEmpty() ? -1 : cuda.get(0).peakAllocatedBytes(), flops, flops / (median / 1000), overhead,
        trainables.trainableCount(), trainables.totalCount(), recorder.lastLoss);
    PrintWriter out = spec.commandLine().getOut();
    out.println(MARKER + new ObjectMapper().writeValueAsString(r));
    out.flush();
    model.close();
    return 0;
  }

  /** The batch every step reuses; the trainer's close after the step leaves it alone. */
  private record TokenBatch(Tensor ids) implements AutoCloseable {
    @Override
    public void close() {}
  }

  /** Next-token loss of the decoder on its own input, finishing recomputed layers in the backward. */
  private record TextTask(LlamaModel model) implements TrainingTask<TokenBatch> {
    @Override
    public LossOutput loss(TokenBatch batch) {
      CausalLmLoss.Result r = CausalLmLoss.of(model.forward(batch.ids()), batch.ids());
      return new LossOutput(r.sum(), r.tokens());
    }

    @Override
    public void backward(LossOutput loss) {
      loss.sum().backward();
      model.backwardRecomputed();
    }
  }

  /** Step times after the warm-up, and the memory and framework-overhead figures of the same steps. */
  private static final class Recorder implements TrainingListener {
    private final int warmup;
    private final List<Double> millis = new ArrayList<>();
    private NativeTimeSampler sampler;
    private double lastLoss;
    private long peakBefore;
    private long base;

    Recorder(int warmup) {
      this.warmup = warmup;
      if (warmup == 0) {
        startMeasuring();
      }
    }

    /**
     * Notes what persists between steps and resets the resident high-water mark, so that the measured steps'
     * peak is their own (without a reset, it is the process's).
     */
    private void startMeasuring() {
      peakBefore = MemoryStats.peakResidentBytes();
      MemoryStats.resetPeakResident();
      base = MemoryStats.residentBytes();
      sampler = NativeTimeSampler.start(Thread.currentThread());
    }

    @Override
    public void onStep(StepMetrics m) {
      lastLoss = m.loss();
      if (m.step() > warmup) {
        millis.add(m.stepMillis());
      }
      if (m.step() == warmup) {
        startMeasuring();
      }
    }

    double stopSampling() {
      return sampler.stop();
    }

    double medianMillis() {
      return MachineProbes.median(millis);
    }
  }
}
