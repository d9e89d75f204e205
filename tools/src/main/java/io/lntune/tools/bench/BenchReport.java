package io.lntune.tools.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lntune.torch.ByteSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Everything one {@code lntune bench} run measured, with the ratios the performance targets are
 * stated in; as JSON and as Markdown tables (the same numbers in both).
 *
 * @param size the model size
 * @param dtype the weights' dtype (trainable parameters keep fp32 masters)
 * @param device where the model ran
 * @param sequence tokens per sample
 * @param batch samples per step
 * @param environment the thread settings in force (OMP_WAIT_POLICY, OPENBLAS_NUM_THREADS, libtorch
 *     threads)
 * @param gemm the machine's matrix-product FLOP/s in this dtype, at the MLP's shape
 * @param steps one row per training configuration, each measured in its own process
 * @param checkpoint loading the model's checkpoint against reading the file
 * @param decodes per-token decoding time at each context length
 * @param ratios the targets' ratios over the rows above
 * @param baseline per strategy, lntune's step time against Python PyTorch eager's ({@code
 *     --baseline python}); empty when not asked for or not possible
 * @param baselineNote why there is no baseline although one was asked for; empty otherwise
 * @param dataParallel {@code --data-parallel}'s comparison and predictions; null when not asked for
 */
record BenchReport(
    String size,
    String dtype,
    String device,
    long sequence,
    long batch,
    Map<String, String> environment,
    MachineProbes.Gemm gemm,
    List<StepResult> steps,
    MachineProbes.Checkpoint checkpoint,
    List<MachineProbes.Decode> decodes,
    List<Ratio> ratios,
    List<PythonBaseline.Row> baseline,
    String baselineNote,
    DataParallelComparison dataParallel) {

  /**
   * One performance target.
   *
   * @param name what is compared, e.g. "LAYERNORM / FULL step time"
   * @param value the measured ratio
   * @param bound the target's bound
   * @param atMost whether the value must stay at or below the bound (else at or above)
   */
  record Ratio(String name, double value, double bound, boolean atMost) {
    @JsonProperty("met")
    public boolean met() {
      return atMost ? value <= bound : value >= bound;
    }

    @JsonProperty("target")
    public String target() {
      return (atMost ? "<= " : ">= ") + bound;
    }
  }

  /** {@return the ratios the targets name, over whichever of their rows were measured} */
  static List<Ratio> ratios(
      MachineProbes.Gemm gemm,
      List<StepResult> steps,
      MachineProbes.Checkpoint checkpoint,
      List<MachineProbes.Decode> decodes) {
    List<Ratio> out = new ArrayList<>();
    Optional<StepResult> ln = row(steps, "LAYERNORM");
    Optional<StepResult> lnRecompute = row(steps, "LAYERNORM+recompute");
    Optional<StepResult> lora = row(steps, "LORA");
    Optional<StepResult> full = row(steps, "FULL");
    if (ln.isPresent() && full.isPresent()) {
      out.add(new Ratio("LAYERNORM / FULL step time", stepRatio(ln.get(), full.get()), 0.70, true));
    }
    if (ln.isPresent() && lora.isPresent()) {
      out.add(new Ratio("LAYERNORM / LORA step time", stepRatio(ln.get(), lora.get()), 0.95, true));
      out.add(
          new Ratio(
              "LAYERNORM / LORA peak memory",
              (double) ln.get().peakRssBytes() / lora.get().peakRssBytes(),
              1.0,
              true));
    }
    if (lora.isPresent() && full.isPresent()) {
      out.add(
          new Ratio(
              "LORA / FULL peak memory",
              (double) lora.get().peakRssBytes() / full.get().peakRssBytes(),
              1.0,
              true));
    }
    if (ln.isPresent() && lnRecompute.isPresent()) {
      out.add(
          new Ratio(
              "LAYERNORM activation memory / with recomputation",
              (double) ln.get().activationBytes()
                  / Math.max(1, lnRecompute.get().activationBytes()),
              3.0,
              false));
      out.add(
          new Ratio(
              "LAYERNORM step time with recomputation / without",
              stepRatio(lnRecompute.get(), ln.get()),
              1.4,
              true));
    }
    if (ln.isPresent()) {
      out.add(
          new Ratio(
              "LAYERNORM achieved FLOP/s / GEMM FLOP/s",
              ln.get().achievedFlops() / gemm.flops(),
              0.5,
              false));
      out.add(
          new Ratio(
              "LAYERNORM framework overhead (share of step)",
              ln.get().overheadFraction(),
              0.05,
              true));
    }
    Optional<StepResult> lnLoader = row(steps, "LAYERNORM" + BenchStepCommand.LOADER);
    if (lnLoader.isPresent()) {
      out.add(
          new Ratio(
              "LAYERNORM with the data loader: data wait / step time",
              lnLoader.get().dataShare(),
              0.05,
              true));
    }
    if (checkpoint != null) {
      out.add(
          new Ratio(
              "checkpoint ("
                  + ByteSize.format(checkpoint.fileBytes())
                  + ") load+touch / page-cache read",
              checkpoint.loadAndTouchMillis() / checkpoint.readMillis(),
              1.5,
              true));
    }
    if (decodes.size() >= 2) {
      MachineProbes.Decode shortest = decodes.get(0);
      MachineProbes.Decode longest = decodes.get(decodes.size() - 1);
      out.add(
          new Ratio(
              "decode per-token time, context " + longest.context() + " / " + shortest.context(),
              longest.tokenMillis() / shortest.tokenMillis(),
              1.5,
              true));
    }
    return out;
  }

  /**
   * {@return {@code a}'s step time over {@code b}'s: the ratio of their medians over the rounds} A
   * disturbed timing process (the machine is shared) spoils one round of one configuration; the
   * median over each configuration's rounds drops it, where pairing the configurations round by
   * round would keep it in a pair.
   */
  static double stepRatio(StepResult a, StepResult b) {
    return a.stepMillis() / b.stepMillis();
  }

  private static Optional<StepResult> row(List<StepResult> steps, String config) {
    return steps.stream().filter(s -> s.config().equals(config)).findFirst();
  }

  String toJson() {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this)
          + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("writing the bench report as JSON", e);
    }
  }

  String toMarkdown() {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "# lntune bench: %s, %s on %s, batch %d x %d tokens%n%n",
            size,
            dtype,
            device,
            batch,
            sequence));
    md.append("Threads: ").append(environment).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "GEMM [%d x %d] x [%d x %d]: %s (median of one probe per round)%n%n",
            gemm.m(),
            gemm.k(),
            gemm.k(),
            gemm.n(),
            flops(gemm.flops())));
    md.append(
        "Each configuration trains in JVMs of its own: one for the times, one for the memory (large tensors "
            + "unmapped on release, see the environment). Peak RSS: the whole-life resident high-water mark. Step "
            + "memory: the high-water mark over a measured step minus the resident set between steps (activations, "
            + "gradients and the backward's temporaries; optimizer state and masters persist). Activations: the resident "
            + "set right after the forward and the loss minus right before the forward (what the graph keeps for the "
            + "backward, the logits included); the recomputation target's ratio is taken on it. Forward and backward: "
            + "median times of the two passes (the backward includes recomputation). Achieved: forward 2NT + input "
            + "gradients 2NT + trainable weights' gradients 2N'T over the median step. Overhead: sampled share of the "
            + "step outside native code. Rounds: each timing round's median step (the configurations ran "
            + "round-robin; step ms is their median, which the step-time ratios below compare). Data wait: the median "
            + "time a step waited for its batch and its share of the step (+loader: batches from the data loader over "
            + "generated LLaVA data, pictures decoded and preprocessed by its workers; else one fixed batch). Java B/step: "
            + "heap bytes allocated on the training thread per step, by the trainer (loop, gradients, clipping, "
            + "optimizer) and by the task's forward, loss and backward.\n\n");
    md.append(
        "| config | step ms | rounds ms | tokens/s | forward ms | backward ms | data wait | peak RSS "
            + "| step memory | activations | achieved | of GEMM | overhead | Java B/step: trainer + task | trainable "
            + "| loss |\n"
            + "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (StepResult s : steps) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %s | %.0f | %.1f | %.1f | %.1f ms (%.1f%%) | %s | %s | %s "
                  + "| %s | %.0f%% | %.1f%% | %,d + %,d | %,d | %.4f |%n",
              s.config(),
              s.stepMillis(),
              roundsMillis(s),
              s.tokensPerSecond(),
              s.forwardMillis(),
              s.backwardMillis(),
              s.dataMillis(),
              100 * s.dataShare(),
              ByteSize.format(s.peakRssBytes()),
              ByteSize.format(s.stepMemoryBytes()),
              ByteSize.format(s.activationBytes()),
              flops(s.achievedFlops()),
              100 * s.achievedFlops() / gemm.flops(),
              100 * s.overheadFraction(),
              s.trainerJavaBytesPerStep(),
              s.taskJavaBytesPerStep(),
              s.trainableParameters(),
              s.finalLoss()));
    }
    md.append('\n');
    if (checkpoint != null) {
      md.append(
          String.format(
              Locale.ROOT,
              "Checkpoint %s (%d tensors): read from page cache %.1f ms; load %.1f ms, "
                  + "load + touch every weight %.1f ms (median of the loads after the first); the first load in this JVM, "
                  + "its code still cold, %.1f ms with the touch%n%n",
              ByteSize.format(checkpoint.fileBytes()),
              checkpoint.tensors(),
              checkpoint.readMillis(),
              checkpoint.loadMillis(),
              checkpoint.loadAndTouchMillis(),
              checkpoint.firstLoadAndTouchMillis()));
    }
    for (MachineProbes.Decode d : decodes) {
      md.append(
          String.format(
              Locale.ROOT,
              "Decoding at context %d: %.2f ms/token (%.1f tokens/s)%n",
              d.context(),
              d.tokenMillis(),
              1000 / d.tokenMillis()));
    }
    if (!baseline.isEmpty()) {
      md.append(
          "\nThe same step in Python PyTorch eager (bench_step_eager.py: the model cast to bf16, no "
              + "fp32 masters; AdamW; the same trainable tensors), each round's run right after lntune's of the same strategy:\n\n"
              + "| strategy | lntune step ms | Python eager step ms | lntune / Python "
              + "| lntune peak RSS | Python peak RSS |\n"
              + "|---|---:|---:|---:|---:|---:|\n");
      for (PythonBaseline.Row b : baseline) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.1f | %.1f | %.3f | %s | %s |%n",
                b.strategy(),
                b.lntuneMillis(),
                b.pythonMillis(),
                b.ratio(),
                b.lntunePeakRssBytes() < 0 ? "-" : ByteSize.format(b.lntunePeakRssBytes()),
                ByteSize.format(b.pythonPeakRssBytes())));
      }
    }
    if (!baselineNote.isEmpty()) {
      md.append("\n").append(baselineNote).append("\n");
    }
    if (dataParallel != null) {
      md.append("\n").append(dataParallel.toMarkdown());
    }
    md.append("\n| ratio | value | target | met |\n|---|---:|---|---|\n");
    for (Ratio r : ratios) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %s | %s |%n",
              r.name(),
              r.value(),
              r.target(),
              r.met() ? "yes" : "no"));
    }
    return md.toString();
  }

  /** {@return each round's median step of {@code s}, in whole milliseconds} */
  static String roundsMillis(StepResult s) {
    return s.roundStepMillis() == null
        ? ""
        : s.roundStepMillis().stream()
            .map(v -> String.format(Locale.ROOT, "%.0f", v))
            .collect(Collectors.joining(" "));
  }

  private static String flops(double f) {
    return String.format(Locale.ROOT, "%.1f GFLOP/s", f / 1e9);
  }
}
