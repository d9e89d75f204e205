package io.lntune.tools.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Placement;
import io.lntune.tools.LntuneCli;
import io.lntune.torch.DType;
import io.lntune.torch.LntuneException;
import io.lntune.torch.Torch;
import io.lntune.training.distributed.LocalLauncher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune bench}: training step time (forward and backward apart), tokens/s, peak and
 * activation memory and achieved FLOP/s of each strategy on the same model and batch, the machine's
 * GEMM FLOP/s, loading a checkpoint of about 1 GiB against a plain read of it, and KV-cache
 * decoding at a short and a long context; as Markdown on stdout and, with {@code --output}, {@code
 * bench.json} and {@code bench.md}.
 *
 * <pre>{@code
 * lntune bench                              # small (about 100M parameters, 512 tokens), bf16, 5 rounds of 3 timed steps
 * lntune bench --size medium --output runs/bench
 * lntune bench --configs LAYERNORM --data-parallel   # also 2 Gloo ranks x 1 thread, 1 process x 2 threads
 * }</pre>
 *
 * <p>Each training configuration runs in child JVMs ({@code lntune bench-step}) with this JVM's
 * options and environment, the training spin added ({@link TrainingSpin}), because a process's peak
 * resident memory only grows: each row's peak is its own process's. Timing children run
 * round-robin, every configuration once per round, so that a change in the machine's load (it may
 * be shared) hits every configuration alike (the Python baseline's run of a strategy right after
 * lntune's), and each row's times are the medians over its rounds; a last child per configuration,
 * whose large allocations are unmapped on release, measures the memory.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure training step time, tokens/s and peak memory of each strategy on one model and batch "
          + "(each in its own process), the machine's GEMM FLOP/s, the achieved FLOP/s of a step, loading a checkpoint "
          + "of about 1 GiB against reading the file, and KV-cache decoding at short and long context. Prints Markdown; "
          + "--output also writes bench.json and bench.md."
    })
public final class BenchCommand implements Callable<Integer> {
  /** The configuration {@code --data-parallel} times. */
  private static final String DATA_PARALLEL = "LAYERNORM";

  @Spec CommandSpec spec;

  @Option(
      names = "--size",
      defaultValue = "small",
      description =
          "tiny, small (about 100M parameters, 512 tokens), "
              + "medium (about 350M) or llava7b (Vicuna-7B, CUDA only). Default: ${DEFAULT-VALUE}.")
  String size;

  @Option(
      names = "--dtype",
      defaultValue = "BF16",
      description =
          "Frozen weights' dtype; trainable parameters "
              + "keep fp32 masters. Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(
      names = "--configs",
      split = ",",
      defaultValue = "LAYERNORM,LAYERNORM+recompute,LORA,FULL,LAYERNORM+loader",
      description =
          "Strategies to train, '+recompute' for activation recomputation, '+loader' for batches from the "
              + "data loader over generated LLaVA data (pictures included) instead of one fixed batch. Default: "
              + "${DEFAULT-VALUE}.")
  List<String> configs;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description =
          "Timing processes per configuration, run "
              + "round-robin (every configuration once per round) so that a change in the machine's load hits all alike; "
              + "the median round counts. Default: ${DEFAULT-VALUE}.")
  int rounds;

  @Option(
      names = "--loader-batch",
      defaultValue = "8",
      description =
          "Samples per batch of the '+loader' " + "configurations. Default: ${DEFAULT-VALUE}.")
  int loaderBatch;

  @Option(
      names = "--steps",
      defaultValue = "3",
      description =
          "Measured steps per configuration and round (the "
              + "median counts). Default: ${DEFAULT-VALUE}.")
  int steps;

  // Four, so that both sides are timed at their steady pace. lntune's second step already runs at
  // it (step 1 about 1660 ms, then 525-580 on `small` LAYERNORM_SIMPLE), but Python eager's do not
  // until its fourth or fifth: FULL took 2005 1620 1377 1017 853 888 872 ms, LAYERNORM 1475 833
  // 606 547 588. With one warm-up step its slow second and third steps raised Python's medians by
  // 20-35% and flattered every lntune / Python ratio.
  @Option(
      names = "--warmup",
      defaultValue = "4",
      description =
          "Steps before measuring, lntune's and Python's alike. Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(
      names = "--lora-r",
      defaultValue = "64",
      description = "LoRA's rank. Default: ${DEFAULT-VALUE}.")
  int loraR;

  @Option(
      names = "--contexts",
      split = ",",
      defaultValue = "16,512",
      description = "Context lengths for decoding, shortest first. Default: ${DEFAULT-VALUE}.")
  List<Long> contexts;

  @Option(
      names = "--decode-tokens",
      defaultValue = "16",
      description =
          "Tokens decoded per context (the median " + "counts). Default: ${DEFAULT-VALUE}.")
  int decodeTokens;

  @Option(
      names = "--mmap-threshold",
      defaultValue = "131072",
      paramLabel = "BYTES",
      description =
          "glibc's "
              + "MALLOC_MMAP_THRESHOLD_ in the memory-measuring JVMs: tensors above it are mapped and unmapped on release, "
              + "so the peaks count live tensors, not heap glibc keeps; 0 measures memory in the timing JVMs instead, under "
              + "glibc's defaults. Default: ${DEFAULT-VALUE}.")
  long mmapThreshold;

  @Option(
      names = "--baseline",
      paramLabel = "python",
      description =
          "Also time the same step in Python PyTorch eager (a python3 with torch; skipped with a note "
              + "when there is none), in the same rounds, for LAYERNORM, LAYERNORM_SIMPLE, LORA and FULL "
              + "among --configs, and report lntune / Python per strategy.")
  String baseline;

  @Option(
      names = "--python",
      defaultValue = "python3",
      description = "The Python interpreter for --baseline. Default: ${DEFAULT-VALUE}.")
  String python;

  @Option(
      names = "--data-parallel",
      description =
          "Also time LAYERNORM data-parallel, in the same rounds: 2 Gloo ranks of 1 thread, each half "
              + "of a global batch (the size's batch rounded up to even), against 1 process of 2 threads "
              + "on the whole batch; report both step times, their ratio, the bytes a rank all-reduces "
              + "per step, and what that predicts for 8 GPUs (the LLaVA v1 7B and 13B presets' bytes "
              + "for LAYERNORM and LAYERNORM_SIMPLE, and a ring all-reduce of them at NVLink- and "
              + "PCIe-class NCCL bandwidths).")
  boolean dataParallel;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description = "Also write bench.json and bench.md here.")
  Path output;

  @Override
  public Integer call() throws IOException, InterruptedException {
    BenchSize s = BenchSize.parse(size);
    DType d = DType.parse(dtype);
    if (s.needsCuda && !Torch.cudaAvailable()) {
      throw new LntuneException(
          "bench size "
              + size
              + " (a 7B model) runs on CUDA only and no CUDA device is "
              + "available (a CPU build of libtorch, or no GPU): pick tiny, small or medium");
    }
    if (steps < 1
        || rounds < 1
        || loaderBatch < 1
        || warmup < 0
        || decodeTokens < 1
        || configs.isEmpty()) {
      throw new IllegalArgumentException(
          "--steps, --rounds, --loader-batch and --decode-tokens must be >= 1, "
              + "--warmup >= 0, --configs not empty");
    }
    if (dataParallel && s.needsCuda) {
      throw new IllegalArgumentException(
          "--data-parallel runs Gloo ranks on the CPU: pick tiny, small or medium, not " + size);
    }
    if (baseline != null && !baseline.equals("python")) {
      throw new IllegalArgumentException("--baseline must be python, got '" + baseline + "'");
    }
    PrintWriter err = spec.commandLine().getErr();
    Optional<PythonBaseline> eager =
        baseline == null ? Optional.empty() : PythonBaseline.find(python);
    String baselineNote =
        baseline != null && eager.isEmpty()
            ? "No Python baseline: "
                + python
                + " cannot import torch (Debian: apt-get install --no-install-recommends "
                + "python3-torch)."
            : "";
    if (!baselineNote.isEmpty()) {
      err.println("bench: " + baselineNote);
    }
    Map<String, List<PythonBaseline.Measurement>> eagerRuns = new LinkedHashMap<>();
    Map<String, List<StepResult>> timed = new LinkedHashMap<>();
    List<StepResult> oneProcess = new ArrayList<>();
    List<StepResult> ranks = new ArrayList<>();
    // The GEMM probe runs once a round, in this JVM between the children, and its median over the
    // rounds counts: on a shared machine its best product varied by 15% within a minute, so a
    // single probe compared a moment with steps spread over the whole run. It allocates only its
    // two operands, which it frees: the children have the device to themselves.
    Placement probes = BenchModels.placement(s, d);
    List<MachineProbes.Gemm> gemms = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      gemms.add(MachineProbes.gemm(s.config(), probes, s.batch * s.sequence));
      for (String config : configs) {
        progress(err, round, config, "on " + s.name().toLowerCase() + " in a child JVM");
        timed
            .computeIfAbsent(config, c -> new ArrayList<>())
            .add(child(config, steps, 0, List.of()));
        // Python's run of the strategy right after lntune's: the pair sees the machine alike
        if (eager.isPresent() && PythonBaseline.STRATEGIES.contains(config)) {
          progress(err, round, config, "in Python eager");
          eagerRuns
              .computeIfAbsent(config, c -> new ArrayList<>())
              .add(eager.get().measure(s, config, warmup, steps, Torch.threads()));
        }
      }
      if (dataParallel) {
        int threads = DataParallelComparison.RANKS;
        progress(err, round, DATA_PARALLEL, "as 1 process x " + threads + " threads");
        oneProcess.add(child(DATA_PARALLEL, steps, 0, comparisonOptions(s, threads)));
        progress(err, round, DATA_PARALLEL, "as " + threads + " ranks x 1 thread");
        ranks.add(rankChildren(comparisonOptions(s, 1)));
      }
    }
    List<StepResult> rows = new ArrayList<>();
    for (String config : configs) {
      StepResult memory = null;
      if (mmapThreshold > 0) {
        err.println("bench: measuring the memory of " + config + " in a child JVM...");
        err.flush();
        memory = child(config, 1, mmapThreshold, List.of());
      }
      rows.add(combine(timed.get(config), memory));
    }
    MachineProbes.Gemm gemm = MachineProbes.medianGemm(gemms);
    LlamaModel model = BenchModels.build(s, d, 1);
    Path tmp = Files.createTempDirectory("lntune-bench");
    MachineProbes.Checkpoint checkpoint;
    try {
      checkpoint =
          MachineProbes.checkpoint(
              MachineProbes.sizedFor(model.config(), d, s.checkpointBytes),
              model.placement(),
              tmp,
              3);
    } finally {
      try (var files = Files.walk(tmp)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    List<MachineProbes.Decode> decodes = new ArrayList<>();
    for (long context : contexts) {
      decodes.add(MachineProbes.decode(model, context, decodeTokens));
    }
    model.close();
    BenchReport report =
        new BenchReport(
            s.name().toLowerCase(),
            d.name(),
            model.placement().device().toString(),
            s.sequence,
            s.batch,
            environment(mmapThreshold),
            gemm,
            rows,
            checkpoint,
            decodes,
            BenchReport.ratios(gemm, rows, checkpoint, decodes),
            baselineRows(rows, eagerRuns),
            baselineNote,
            dataParallel
                ? new DataParallelComparison(
                    DataParallelComparison.globalBatch(s),
                    s.sequence,
                    combine(oneProcess, null),
                    combine(ranks, null),
                    DataParallelComparison.predict())
                : null);
    PrintWriter out = spec.commandLine().getOut();
    out.print(report.toMarkdown());
    out.flush();
    if (output != null) {
      Files.createDirectories(output);
      Files.writeString(output.resolve("bench.json"), report.toJson());
      Files.writeString(output.resolve("bench.md"), report.toMarkdown());
    }
    return 0;
  }

  private void progress(PrintWriter err, int round, String config, String where) {
    err.printf(
        Locale.ROOT, "bench: round %d of %d: timing %s %s...%n", round, rounds, config, where);
    err.flush();
  }

  /**
   * {@return per strategy Python timed, lntune's median step against the median of Python's rounds}
   */
  private static List<PythonBaseline.Row> baselineRows(
      List<StepResult> rows, Map<String, List<PythonBaseline.Measurement>> eager) {
    List<PythonBaseline.Row> out = new ArrayList<>();
    for (StepResult row : rows) {
      List<PythonBaseline.Measurement> python = eager.get(row.config());
      if (python != null) {
        out.add(
            new PythonBaseline.Row(
                row.config(),
                row.stepMillis(),
                MachineProbes.median(
                    python.stream().map(PythonBaseline.Measurement::millis).toList()),
                row.peakRssBytes(),
                (long)
                    MachineProbes.median(
                        python.stream().map(m -> (double) m.peakRssBytes()).toList())));
      }
    }
    return out;
  }

  private static Map<String, String> environment(long mmapThreshold) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(
        "MALLOC_MMAP_THRESHOLD_ (memory JVMs)",
        mmapThreshold > 0 ? Long.toString(mmapThreshold) : "default");
    for (String name :
        List.of(
            "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_",
            "OMP_WAIT_POLICY",
            TrainingSpin.VARIABLE,
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "OPENBLAS_CORETYPE")) {
      env.put(name, System.getenv().getOrDefault(name, "unset"));
    }
    env.put(TrainingSpin.VARIABLE + " (training processes)", TrainingSpin.inChildren());
    env.put("torch_threads", Integer.toString(Torch.threads()));
    env.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
    return env;
  }

  /**
   * {@return one row from a configuration's timing rounds and, when there is one, its memory run}
   * The times are the medians over the rounds (each round's own figure is its median step); the
   * memory comes from the memory run, a JVM whose large allocations are unmapped on release. That
   * threshold makes every large tensor a fresh mapping whose pages are faulted in and zeroed, which
   * slowed a small LAYERNORM step by half: so it never applies to the timed runs.
   */
  static StepResult combine(List<StepResult> rounds, StepResult memory) {
    StepResult first = rounds.get(0);
    StepResult mem = memory != null ? memory : first;
    double step = median(rounds, StepResult::stepMillis);
    double tokens =
        first.tokensPerSecond()
            * first.stepMillis()
            / 1000; // tokens per step, the same every round
    return new StepResult(
        first.config(),
        step,
        median(rounds, StepResult::forwardMillis),
        median(rounds, StepResult::backwardMillis),
        tokens / (step / 1000),
        mem.peakRssBytes(),
        mem.baseRssBytes(),
        mem.stepPeakRssBytes(),
        mem.activationBytes(),
        mem.cudaPeakBytes(),
        first.flopsPerStep(),
        first.flopsPerStep() / (step / 1000),
        median(rounds, StepResult::overheadFraction),
        first.trainableParameters(),
        first.totalParameters(),
        first.losses(),
        median(rounds, StepResult::dataMillis),
        median(rounds, StepResult::dataShare),
        (long) median(rounds, r -> (double) r.javaBytesPerStep()),
        (long) median(rounds, r -> (double) r.taskJavaBytesPerStep()),
        first.allReducedBytesPerStep(),
        rounds.stream().map(StepResult::stepMillis).toList());
  }

  private static double median(List<StepResult> rounds, ToDoubleFunction<StepResult> figure) {
    return MachineProbes.median(rounds.stream().map(figure::applyAsDouble).toList());
  }

  /**
   * {@return the options of a run {@code --data-parallel} compares: the global batch and libtorch's
   * threads}
   */
  private static List<String> comparisonOptions(BenchSize s, int threads) {
    return List.of(
        "--batch",
        Long.toString(DataParallelComparison.globalBatch(s)),
        "--threads",
        Integer.toString(threads));
  }

  /** {@return the arguments of {@code lntune bench-step} for {@code config}, then {@code more}} */
  private List<String> stepArguments(String config, int measuredSteps, List<String> more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "bench-step",
                "--size",
                size,
                "--run",
                config,
                "--dtype",
                dtype,
                "--steps",
                Integer.toString(measuredSteps),
                "--warmup",
                Integer.toString(warmup),
                "--lora-r",
                Integer.toString(loraR),
                "--loader-batch",
                Integer.toString(loaderBatch)));
    args.addAll(more);
    return args;
  }

  /**
   * Runs {@code lntune bench-step} for {@code config}, then the options {@code more}, in a child
   * JVM and {@return its result}
   */
  private StepResult child(String config, int measuredSteps, long threshold, List<String> more)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> !a.startsWith("-agentlib:jdwp"))
        .forEach(command::add);
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), LntuneCli.class.getName()));
    command.addAll(stepArguments(config, measuredSteps, more));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    TrainingSpin.apply(builder.environment());
    if (threshold > 0) {
      // glibc's own trimming, not the launcher's reuse of freed memory: the resident set then
      // follows what is allocated
      builder.environment().remove("MALLOC_TRIM_THRESHOLD_");
      builder.environment().remove("MALLOC_TOP_PAD_");
      builder.environment().put("MALLOC_MMAP_THRESHOLD_", Long.toString(threshold));
    }
    Process p = builder.start();
    List<String> lines;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      lines = r.lines().toList();
    }
    return result(config, p.waitFor(), lines, "");
  }

  /**
   * Runs {@code lntune bench-step --data-parallel} for {@link #DATA_PARALLEL}, then the options
   * {@code more}, as the {@link DataParallelComparison#RANKS} ranks of a job on this machine
   * ({@link LocalLauncher}), and {@return rank 0's result}
   */
  private StepResult rankChildren(List<String> more) throws IOException {
    List<String> args = stepArguments(DATA_PARALLEL, steps, more);
    args.add("--data-parallel");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    StringWriter output = new StringWriter();
    int code;
    try (PrintWriter out = new PrintWriter(output)) {
      code =
          LocalLauncher.run(
              new LocalLauncher.Job(DataParallelComparison.RANKS, 1, 0, "127.0.0.1", port),
              LocalLauncher.javaCommand(LntuneCli.class.getName(), args),
              out);
    }
    return result(
        DATA_PARALLEL + " on " + DataParallelComparison.RANKS + " ranks",
        code,
        output.toString().lines().toList(),
        "[rank 0] ");
  }

  /**
   * {@return the result a bench-step printed: its line after {@code prefix} and {@link
   * BenchStepCommand#MARKER}}
   *
   * @throws LntuneException naming {@code what} with the output if it failed or printed none
   */
  private static StepResult result(String what, int code, List<String> lines, String prefix)
      throws JsonProcessingException {
    String marker = prefix + BenchStepCommand.MARKER;
    Optional<String> line = lines.stream().filter(l -> l.startsWith(marker)).findFirst();
    if (code != 0 || line.isEmpty()) {
      throw new LntuneException(
          "bench: the child JVM for "
              + what
              + " exited with status "
              + code
              + (line.isEmpty() ? " without a result" : "")
              + "; its output: "
              + String.join("\n", lines.stream().filter(l -> !l.startsWith(marker)).toList()));
    }
    return new ObjectMapper()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .readValue(line.get().substring(marker.length()), StepResult.class);
  }
}
