package io.lntune.tools.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.lntune.tools.ParameterBudget;
import io.lntune.torch.ByteSize;
import io.lntune.training.distributed.DataParallel;
import io.lntune.training.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code lntune bench --data-parallel}: LAYERNORM on one global batch, trained by {@link #RANKS}
 * Gloo ranks of one thread each (each its share of the batch, the gradients all-reduced every step)
 * against one process of {@link #RANKS} threads, with the bytes a rank all-reduces per step; and
 * what that predicts for {@link #GPUS} GPUs: the bytes the LLaVA v1 presets all-reduce per step and
 * the time of a ring all-reduce of them at two bus bandwidths.
 *
 * <pre>{@code
 * DataParallelComparison c = new DataParallelComparison(2, 512, oneProcess, rank0,
 *     DataParallelComparison.predict());
 * c.stepRatio();   // below 1: the ranks are faster
 * }</pre>
 *
 * @param batch the global batch, in samples
 * @param sequence tokens per sample
 * @param oneProcess one process of {@link #RANKS} threads on the whole batch
 * @param ranks rank 0 of {@link #RANKS} processes of one thread, each on its share of the batch;
 *     its {@code allReducedBytesPerStep} is what a rank sent per step
 * @param predictions the presets' bytes per step and ring all-reduce times
 */
record DataParallelComparison(
    long batch,
    long sequence,
    StepResult oneProcess,
    StepResult ranks,
    List<Prediction> predictions) {

  /** The ranks measured on this machine, and the threads of the process they are compared with. */
  static final int RANKS = 2;

  /** The GPUs of the prediction: one node of LLaVA's training scripts. */
  static final int GPUS = 8;

  /**
   * The NCCL bus bandwidth assumed for GPUs joined by NVLink (nccl-tests' {@code busbw} of an
   * all-reduce), in bytes per second: a conservative figure for an 8-GPU NVLink node.
   */
  static final double NVLINK_BUS_BYTES_PER_SECOND = 150e9;

  /** The NCCL bus bandwidth assumed for GPUs joined by PCIe or Ethernet, in bytes per second. */
  static final double PCIE_BUS_BYTES_PER_SECOND = 10e9;

  /** The presets predicted for: LLaVA v1 at 7B and 13B. */
  static final List<String> PRESETS = List.of("llava-v1-llama2-7b", "llava-v1-llama2-13b");

  /** The strategies predicted for. */
  static final List<Strategy> STRATEGIES = List.of(Strategy.LAYERNORM, Strategy.LAYERNORM_SIMPLE);

  /**
   * One preset and strategy on {@link #GPUS} GPUs.
   *
   * @param preset the preset's name
   * @param strategy the strategy's name
   * @param trainable the parameters it trains, whose gradients are all-reduced
   * @param bytesPerStep the bytes a rank all-reduces per step ({@link
   *     DataParallel#bytesPerStep(long)})
   */
  record Prediction(String preset, String strategy, long trainable, long bytesPerStep) {
    /** {@return a ring all-reduce of the step's bytes at the NVLink-class bandwidth} */
    @JsonProperty("nvlinkMillis")
    double nvlinkMillis() {
      return ringMillis(bytesPerStep, GPUS, NVLINK_BUS_BYTES_PER_SECOND);
    }

    /** {@return a ring all-reduce of the step's bytes at the PCIe/Ethernet-class bandwidth} */
    @JsonProperty("pcieMillis")
    double pcieMillis() {
      return ringMillis(bytesPerStep, GPUS, PCIE_BUS_BYTES_PER_SECOND);
    }
  }

  /**
   * {@return the milliseconds a ring all-reduce of {@code bytes} over {@code gpus} takes at a bus
   * bandwidth}: each GPU sends and receives 2(n-1)/n of the bytes. The bandwidth term alone: the
   * latency of the ring's 2(n-1) steps, some microseconds each, comes on top.
   */
  static double ringMillis(long bytes, int gpus, double busBytesPerSecond) {
    return 2.0 * (gpus - 1) / gpus * bytes / busBytesPerSecond * 1000;
  }

  /**
   * {@return every strategy on every preset, counted on the meta device by {@link ParameterBudget}}
   */
  static List<Prediction> predict() {
    List<Prediction> out = new ArrayList<>();
    for (String preset : PRESETS) {
      for (Strategy s : STRATEGIES) {
        // the sequence is for the activation estimate, not used here
        long trainable = ParameterBudget.ofPreset(preset, s, 2).trainable();
        out.add(new Prediction(preset, s.name(), trainable, DataParallel.bytesPerStep(trainable)));
      }
    }
    return out;
  }

  /** {@return the global batch for {@code size}: its batch, rounded up for the ranks to share} */
  static long globalBatch(BenchSize size) {
    return (size.batch + RANKS - 1) / RANKS * RANKS;
  }

  /** {@return the ranks' median step time over the one process's: below 1 is faster} */
  @JsonProperty("stepRatio")
  double stepRatio() {
    return ranks.stepMillis() / oneProcess.stepMillis();
  }

  String toMarkdown() {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "Data parallelism: LAYERNORM on a global batch of %d x %d tokens, trained by %d Gloo ranks "
                + "of 1 thread, each on %d of the samples (the gradients all-reduced every step), and by 1 "
                + "process of %d threads on all of them. All-reduced B/step: what a rank sends per step, "
                + "the fp32 gradients of the trainable tensors and %d B of the step's loss, token count "
                + "and flag.%n%n",
            batch,
            sequence,
            RANKS,
            batch / RANKS,
            RANKS,
            DataParallel.bytesPerStep(0)));
    md.append(
        "| run | step ms | rounds ms | tokens/s | all-reduced B/step |\n|---|---:|---|---:|---:|\n");
    row(md, "1 process x " + RANKS + " threads", oneProcess);
    row(md, RANKS + " processes x 1 thread", ranks);
    md.append(
        String.format(
            Locale.ROOT, "%n%d processes / 1 process step time: %.3f%n%n", RANKS, stepRatio()));
    md.append(
        String.format(
            Locale.ROOT,
            "Predicted for %d GPUs (NCCL ring all-reduce: 2(n-1)/n x bytes / bus bandwidth; the "
                + "bandwidth term alone, without the ring's per-step latency):%n%n"
                + "| preset | strategy | trainable | all-reduced B/step | at %.0f GB/s (NVLink-class) "
                + "| at %.0f GB/s (PCIe/Ethernet-class) |%n|---|---|---:|---:|---:|---:|%n",
            GPUS,
            NVLINK_BUS_BYTES_PER_SECOND / 1e9,
            PCIE_BUS_BYTES_PER_SECOND / 1e9));
    for (Prediction p : predictions) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %,d | %,d (%s) | %.3f ms | %.3f ms |%n",
              p.preset(),
              p.strategy(),
              p.trainable(),
              p.bytesPerStep(),
              ByteSize.format(p.bytesPerStep()),
              p.nvlinkMillis(),
              p.pcieMillis()));
    }
    return md.toString();
  }

  private void row(StringBuilder md, String run, StepResult r) {
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | %.1f | %s | %.0f | %,d |%n",
            run,
            r.stepMillis(),
            BenchReport.roundsMillis(r),
            batch * sequence / (r.stepMillis() / 1000),
            r.allReducedBytesPerStep()));
  }
}
