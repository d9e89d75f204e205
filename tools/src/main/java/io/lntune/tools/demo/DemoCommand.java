package io.lntune.tools.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.lntune.LayerNormTuner;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.SentencePieceModelWriter;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.tools.SimilarityProbe;
import io.lntune.torch.AtomicFiles;
import io.lntune.torch.DType;
import io.lntune.torch.safetensors.SafetensorsWriter;
import io.lntune.training.analysis.LayerSimilarity;
import io.lntune.training.analysis.Pooling;
import io.lntune.training.checkpoint.AtomicDirectory;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.LlavaVocabulary;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.data.Subset;
import io.lntune.training.data.TwoSeparatorTemplate;
import io.lntune.training.eval.Benchmark;
import io.lntune.training.eval.Evaluation;
import io.lntune.training.eval.LlavaAnswerer;
import io.lntune.training.export.TrainableDelta;
import io.lntune.training.listener.ProgressBarListener;
import io.lntune.training.loop.StepMetrics;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.loop.TrainingRun;
import io.lntune.training.optim.GradientNoise;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import io.lntune.training.synth.SyntheticBenchmarks;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lntune demo}: the paper in miniature on a synthetic visual world, on the CPU in minutes.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Reproduce the paper in miniature: generate a synthetic world of coloured shapes, pretrain a tiny "
          + "LLaMA on its text and a tiny ViT on its pictures (cached for reruns), align them (stage 1, connector only), "
          + "then instruction-tune with each strategy (stage 2) and compare held-out accuracy on questions whose "
          + "answers are in the picture, trainable parameters, memory, speed and loss.",
      "Each strategy also answers a synthetic VQAv2 mini-benchmark by generation (lntune eval's code; answers and "
          + "scores in --out/<strategy>/eval-vqav2).",
      "The report also compares the layer similarity of LAYERNORM and FULL, tabulates lntune params for the "
          + "LLaVA v1 7B and 13B presets beside the paper's efficiency claims and, with --analyses, ablates the "
          + "connector and the data types, saying for each of the paper's claims whether the demo agrees.",
      "Writes report.md, report.csv, chart.png, report.html, the analyses' charts and each run's metrics.jsonl "
          + "to --out."
    })
public final class DemoCommand implements Callable<Integer> {
  /**
   * The learning rates the demo uses: LayerNorm tuning wants far larger steps than LoRA or full
   * finetuning.
   */
  static final Map<Strategy, Double> LEARNING_RATES =
      Map.of(
          Strategy.LAYERNORM,
          5e-3,
          Strategy.LAYERNORM_SIMPLE,
          3e-2,
          Strategy.LORA,
          2e-3,
          Strategy.FULL,
          1e-3,
          Strategy.CONNECTOR_ONLY,
          3e-2,
          Strategy.ATTN_QV,
          1e-3,
          Strategy.ATTN_MLP,
          1e-3);

  /**
   * The connector's rate in stage 1, lower than CONNECTOR_ONLY's in stage 2: the pretrained ViT's
   * patch features are large next to the word embeddings the connector must learn to produce (norms
   * of about 14 against 0.2), and larger steps on them leave stage 1 at a higher caption loss and a
   * weaker starting point for stage 2.
   */
  static final double STAGE1_LEARNING_RATE = 1e-2;

  /**
   * LoRA scaled to the tiny model: rank 8 of 96 features (LLaVA's r=128 is 3% of 4096; the default
   * r=64 would give each 96 x 96 matrix more adapter weights than it has), alpha/r = 0.25 as in the
   * defaults, and no dropout (LLaVA's is 0.05): on the CPU the random masks, seven per layer, cost
   * about as much as the rest of a step of this model (measured with libtorch's dropout, before
   * PackedDropout: LoRA's stage-2 steps took 191 ms with them and 106 ms without, one run after the
   * other on the same machine), and held-out accuracy was the same without them (85.0% against
   * 84.5%).
   */
  static final LoraConfig LORA = new LoraConfig(8, 2, 0.0, LoraConfig.ALL_BLOCK_LINEARS);

  /** The strategies whose stage-2 models the report compares by layer similarity. */
  static final Set<Strategy> SIMILARITY = EnumSet.of(Strategy.LAYERNORM, Strategy.FULL);

  /** The folder under --out of the ablations' runs. */
  static final String ABLATIONS = "ablations";

  @Spec CommandSpec spec;

  @Option(
      names = "--analyses",
      description =
          "Also run the ablations: the connector (connector only, LayerNorm only, both) and the data "
              + "types (LAYERNORM on conversations, detailed descriptions or all kinds), four to six "
              + "extra stage-2 runs. Off by default, to keep the full demo within ten minutes on two "
              + "cores; --quick always runs them.")
  boolean analyses;

  @Option(
      names = "--quick",
      description = "A few steps of everything: checks that the demo runs (numbers mean little).")
  boolean quick;

  @Option(
      names = "--strategies",
      split = ",",
      defaultValue = "LAYERNORM,LAYERNORM_SIMPLE,LORA,FULL,CONNECTOR_ONLY",
      description = "Stage-2 strategies to compare. Default: ${DEFAULT-VALUE}.")
  List<String> strategies;

  @Option(
      names = "--lr",
      paramLabel = "STRATEGY=RATE",
      description =
          "A stage-2 learning rate other than the demo's "
              + "own for a strategy, e.g. --lr LAYERNORM=1e-2 (repeatable).")
  Map<String, Double> learningRates = new HashMap<>();

  private Map<Strategy, Double> chosenRates = Map.of();

  /**
   * Stage 2's micro-batches per step: two, so that the trainer can measure the variance of the
   * gradient across them (the same samples per step as one micro-batch of twice the size).
   */
  static final int STAGE2_MICRO_BATCHES = 2;

  /** Each stage-2 run's gradient variances, by its label. */
  private final Map<String, DemoAnalyses.GradientVariance> gradientVariance = new HashMap<>();

  /** Times every stage of this run; made in {@link #call}, where the console is known. */
  private StageClock clock;

  @Option(
      names = "--blas-threads",
      defaultValue = "1",
      description =
          "OpenBLAS threads for the demo's fp32 matrix products. Default: ${DEFAULT-VALUE}: on an idle "
              + "2-core machine 2 make LoRA's steps a fifth faster, but when other processes hold the "
              + "cores, threads that wait for one stall the step: on a busy 2-core machine the text "
              + "pretraining ran 10 to 30 times slower with 2 than with 1.")
  int blasThreads;

  @Option(names = "--seed", defaultValue = "7", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--out",
      defaultValue = "lntune-demo",
      description = "Output directory. Default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(
      names = "--cache",
      description =
          "Where the world and pretrained models are kept between runs "
              + "(default: $XDG_CACHE_HOME/lntune or ~/.cache/lntune).")
  Path cache;

  @Override
  public Integer call() throws IOException {
    long started = System.currentTimeMillis();
    PrintWriter console = spec.commandLine().getOut();
    chosenRates = chosenRates();
    if (blasThreads < 1) {
      throw new ParameterException(
          spec.commandLine(), "--blas-threads must be at least 1, got " + blasThreads);
    }
    Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
    org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(blasThreads);
    DemoSize size = quick ? DemoSize.quick() : DemoSize.full();
    Path home =
        (cache != null ? cache : defaultCache())
            .resolve("demo-v5-" + (quick ? "quick" : "full") + "-" + seed);
    Files.createDirectories(out);
    clearStage2Runs();
    clock = new StageClock(console);
    SyntheticWorld.Summary world = clock.time("synthetic world", () -> world(home, size, console));
    Tokenizer tok = clock.time("tokenizer", () -> tokenizer(home, world));
    long vocab = tok.vocabSize() + 1; // + LLaVA's pad token
    Path pretrained = home.resolve("pretrained.safetensors");
    if (!Files.isRegularFile(pretrained)) {
      clock.time("pretraining", () -> pretrain(tok, vocab, size, pretrained, console));
    } else {
      console.printf("pretrained tiny LLaMA and ViT: cached in %s%n", home);
    }
    Path stage1 = home.resolve("stage1.safetensors");
    if (!Files.isRegularFile(stage1)) {
      clock.time("stage 1", () -> stage1(pretrained, vocab, tok, world, size, stage1, console));
    } else {
      console.printf("stage 1 (connector alignment): cached in %s%n", stage1);
    }

    List<AnswerAccuracy.Question> questions =
        AnswerAccuracy.questions(world.stage2Eval(), size.evalQuestions());
    Path bench = clock.time("benchmarks", () -> benchmarks(home, size));
    Stage2 from = new Stage2(stage1, vocab, tok, world, questions, size);
    List<DemoRun> runs = new ArrayList<>();
    List<DemoAnalyses.Similarity> similarity = new ArrayList<>();
    for (String name : strategies) {
      Strategy strategy = Strategy.parse(name);
      runs.add(
          stage2(
              from,
              strategy.name(),
              Selection.of(strategy),
              Optional.empty(),
              learningRate(strategy),
              runDir(strategy, false),
              console,
              model -> {
                clock.time(
                    strategy + " VQA", () -> vqa(model, tok, strategy, bench, size, console));
                if (SIMILARITY.contains(strategy)) {
                  similarity.add(
                      new DemoAnalyses.Similarity(
                          strategy.name(),
                          clock.time(
                              strategy + " similarity",
                              () -> similarity(model, tok, world, size))));
                }
              }));
    }
    boolean extra = analyses || quick;
    DemoAnalyses measured =
        new DemoAnalyses(
            similarity,
            PaperScale.rows(),
            extra ? connectorAblation(from, runs, console) : List.of(),
            extra ? dataTypeAblation(from, console) : List.of(),
            runs.stream()
                .map(r -> gradientVariance.get(r.strategy()))
                .filter(Objects::nonNull)
                .toList());
    DemoSetup setup =
        new DemoSetup(
            String.format(
                "%d pictures (%d held out), %d held-out questions; tiny LLaMA "
                    + "3 layers x 96, tiny ViT 2 layers x 64 on 36 px (one patch per cell), mlp2x_gelu connector",
                size.images(), world.evalImages(), questions.size()),
            seed,
            quick,
            chance(questions),
            System.currentTimeMillis() - started,
            clock.stages());
    console.println(DemoReport.consoleTable(runs));
    DemoReport.Written w = DemoReport.write(out, setup, runs, measured);
    console.printf(
        "report: %s (and %s, %s, %s, %d analysis charts)%n",
        w.html(), w.markdown(), w.csv(), w.chart(), w.figures().size());
    return 0;
  }

  /**
   * Stage 1: aligns the connector of the pretrained models on captions and writes the result to
   * {@code file}.
   */
  private void stage1(
      Path pretrained,
      long vocab,
      Tokenizer tok,
      SyntheticWorld.Summary world,
      DemoSize size,
      Path file,
      PrintWriter console) {
    LlavaModel aligned = load(pretrained, vocab);
    console.printf("stage 1: connector alignment on captions, %d steps%n", size.stage1Steps());
    // A stage-1 run left under --out by an earlier cache would be resumed, not trained.
    delete(runDir(Strategy.CONNECTOR_ONLY, true));
    tune(
        aligned,
        tok,
        world.stage1(),
        world.imageRoot(),
        new Training(
            Selection.of(Strategy.CONNECTOR_ONLY),
            Optional.empty(),
            STAGE1_LEARNING_RATE,
            runDir(Strategy.CONNECTOR_ONLY, true),
            size.stage1Steps(),
            "plain"),
        size,
        Optional.empty());
    SafetensorsWriter.write(file, Modules.namedParameters(aligned));
    aligned.close();
  }

  /**
   * What every stage-2 run starts from and is scored on.
   *
   * @param stage1 the stage-1 model's parameters
   * @param vocab the model's vocabulary, LLaVA's pad token included
   * @param tok the world's tokenizer
   * @param world the synthetic world
   * @param questions the held-out questions
   * @param size the demo's size
   */
  private record Stage2(
      Path stage1,
      long vocab,
      Tokenizer tok,
      SyntheticWorld.Summary world,
      List<AnswerAccuracy.Question> questions,
      DemoSize size) {}

  /**
   * Trains one stage-2 run from the stage-1 model and scores it on the held-out questions; {@code
   * measure} sees the trained model before it is closed.
   *
   * @param label the run's name in the report
   */
  private DemoRun stage2(
      Stage2 from,
      String label,
      Selection selection,
      Optional<Subset> subset,
      double lr,
      Path dir,
      PrintWriter console,
      Consumer<LlavaModel> measure) {
    DemoSize size = from.size();
    console.printf("stage 2: %s, %d steps at lr %.0e%n", label, size.stage2Steps(), lr);
    LlavaModel model = load(from.stage1(), from.vocab());
    StepRecorder recorder = new StepRecorder();
    Path data = subset.isPresent() ? from.world().stage2Instruct() : from.world().stage2Train();
    TuningResult r =
        clock.time(
            label + " training",
            () ->
                tune(
                    model,
                    from.tok(),
                    data,
                    from.world().imageRoot(),
                    new Training(selection, subset, lr, dir, size.stage2Steps(), "vicuna_v1"),
                    size,
                    Optional.of(recorder)));
    recorder.variances(label).ifPresent(v -> gradientVariance.put(label, v));
    AnswerAccuracy.Score score =
        clock.time(
            label + " held-out questions",
            () -> AnswerAccuracy.of(model, from.tok(), from.world().imageRoot(), from.questions()));
    double ms =
        recorder.stepMillis.stream()
            .skip(Math.min(2, recorder.stepMillis.size() - 1))
            .mapToDouble(d -> d)
            .average()
            .orElse(0);
    console.printf(
        "  %s: held-out accuracy %.1f%% on %d questions (%s)%n",
        label, 100 * score.accuracy(), from.questions().size(), score.breakdown());
    measure.accept(model);
    model.close();
    return new DemoRun(
        label,
        r.trainableParameters(),
        r.totalParameters(),
        r.training().peakResidentBytes(),
        ms,
        score.accuracy(),
        from.questions().size(),
        r.losses().get(r.losses().size() - 1),
        r.losses());
  }

  /**
   * Answers the synthetic VQAv2 mini-benchmark by generation with {@code model} (lntune eval's
   * code).
   */
  private void vqa(
      LlavaModel model,
      Tokenizer tok,
      Strategy strategy,
      Path bench,
      DemoSize size,
      PrintWriter console) {
    JsonNode vqa =
        Evaluation.run(
            new Evaluation.Settings(
                Benchmark.VQAV2,
                bench.resolve("vqav2/questions.json"),
                bench.resolve("images"),
                Optional.of(bench.resolve("vqav2/annotations.json")),
                runDir(strategy, false).resolve("eval-vqav2"),
                "",
                List.of(),
                size.batchSize(),
                0,
                strategy.name()),
            new LlavaAnswerer(
                model, tok, ConversationTemplate.forName("vicuna_v1"), GenerationConfig.greedy(6)));
    console.printf(
        "  %s: VQA accuracy %.1f%% on %d generated answers (synthetic VQAv2)%n",
        strategy, vqa.get("accuracy").asDouble(), vqa.get("questions").asInt());
  }

  /**
   * {@return the layer similarity of {@code model} on held-out samples with a picture, drawn with
   * the seed}
   */
  private LayerSimilarity similarity(
      LlavaModel model, Tokenizer tok, SyntheticWorld.Summary world, DemoSize size) {
    ConversationTemplate chat = ConversationTemplate.forName("vicuna_v1");
    Tokenizer fitted = LlavaVocabulary.forTraining(model, tok, chat);
    int samples = Math.min(size.similaritySamples(), world.evalImages());
    try (LlavaDataset heldOut =
        LlavaDataset.open(
            world.stage2Eval(),
            SampleFilter.withImage(),
            Subset.random(samples),
            seed,
            BadRowPolicy.FAIL,
            new DataStats())) {
      return SimilarityProbe.measure(
          model, fitted, chat, heldOut, world.imageRoot(), size.batchSize(), Pooling.MEAN);
    }
  }

  /**
   * {@return the connector ablation's runs: the strategy comparison's CONNECTOR_ONLY and
   * LAYERNORM_SIMPLE runs where it has them, else runs of their own}
   */
  private List<DemoRun> connectorAblation(
      Stage2 from, List<DemoRun> compared, PrintWriter console) {
    List<DemoRun> out = new ArrayList<>();
    for (DemoAblations.Spec spec : DemoAblations.connectorRuns()) {
      Optional<DemoRun> done = spec.selection().strategy().flatMap(s -> find(compared, s.name()));
      out.add(
          done.isPresent() ? relabelled(done.get(), spec.label()) : ablation(from, spec, console));
    }
    return out;
  }

  /**
   * {@return the data-type ablation's runs, as many samples each as there are training pictures}
   */
  private List<DemoRun> dataTypeAblation(Stage2 from, PrintWriter console) {
    return DemoAblations.dataTypeRuns(from.world().trainImages()).stream()
        .map(spec -> ablation(from, spec, console))
        .toList();
  }

  private DemoRun ablation(Stage2 from, DemoAblations.Spec spec, PrintWriter console) {
    return stage2(
        from,
        spec.label(),
        spec.selection(),
        spec.subset(),
        learningRate(spec.rateOf()),
        out.resolve(ABLATIONS).resolve(spec.directory()),
        console,
        model -> {});
  }

  private static Optional<DemoRun> find(List<DemoRun> runs, String strategy) {
    return runs.stream().filter(r -> r.strategy().equals(strategy)).findFirst();
  }

  private static DemoRun relabelled(DemoRun r, String label) {
    return new DemoRun(
        label,
        r.trainableParameters(),
        r.totalParameters(),
        r.peakMemoryBytes(),
        r.msPerStep(),
        r.heldOutAccuracy(),
        r.heldOutQuestions(),
        r.finalLoss(),
        r.losses());
  }

  private static Path defaultCache() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    return (xdg != null ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
        .resolve("lntune");
  }

  private SyntheticWorld.Summary world(Path home, DemoSize size, PrintWriter console) {
    Path dir = home.resolve("world");
    SyntheticWorld world = new SyntheticWorld(size.images(), seed, DemoModels.IMAGE, 0.2);
    SyntheticWorld.Summary existing = world.summary(dir);
    // The held-out file is written last, so the world is complete; a world cached before the typed
    // samples existed is written again (the same seed gives the same pictures and texts).
    if (Files.isRegularFile(existing.stage2Eval())
        && Files.isRegularFile(existing.stage2Instruct())) {
      console.printf("synthetic world: cached in %s%n", dir);
      return existing;
    }
    console.printf("synthetic world: %d pictures in %s%n", size.images(), dir);
    return world.generate(dir);
  }

  /**
   * Mini-benchmarks of unseen pictures (VQAv2's format), about as many questions as the held-out
   * set.
   */
  private Path benchmarks(Path home, DemoSize size) {
    Path dir = home.resolve("benchmarks");
    if (!Files.isRegularFile(dir.resolve("vqav2/annotations.json"))) {
      new SyntheticBenchmarks(Math.max(2, size.evalQuestions() * 2 / 5), seed + 1, DemoModels.IMAGE)
          .write(dir);
    }
    return dir;
  }

  private static Tokenizer tokenizer(Path home, SyntheticWorld.Summary world) {
    Path file = home.resolve("tokenizer.model");
    if (!Files.isRegularFile(file)) {
      List<String> corpus =
          List.of(
              read(world.stage1()),
              read(world.stage2Train()),
              String.join(" ", CellWords.vocabulary()),
              TwoSeparatorTemplate.vicunaV1().words());
      AtomicFiles.write(file, SentencePieceModelWriter.forCorpus(corpus));
    }
    return Tokenizer.load(file);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the synthetic world's " + file, e);
    }
  }

  /**
   * Pretrains the tiny LLaMA and the tiny ViT apart, as LLaVA starts from a language model and a
   * vision encoder trained on their own, then puts them into a LLaVA with a fresh connector. They
   * train side by side, the ViT on a thread of its own: their steps are too small to keep two cores
   * busy. (Apart, too, because inside a LLaVA the language model's parameters include the tower's,
   * LLaVA's checkpoint layout, and choosing what trains in one would freeze the other. Neither
   * draws on libtorch's random generator while they run, so the result does not depend on how they
   * interleave.)
   */
  private void pretrain(Tokenizer tok, long vocab, DemoSize size, Path file, PrintWriter console) {
    Placement cpu = Placement.cpu(DType.F32);
    LlamaModel lm = new LlamaModel(DemoModels.text(vocab), cpu);
    Init.normal(lm, 0.02, seed);
    ClipVisionTower tower = new ClipVisionTower(DemoModels.vision(), cpu);
    Init.normal(tower, 0.02, seed + 1);
    VisionPretraining.Classifier vision = new VisionPretraining.Classifier(tower, seed + 2);
    console.printf(
        "pretraining the tiny ViT to name each cell, %d steps (alongside)%n",
        size.pretrainVisionSteps());
    CompletableFuture<String> visionDone =
        CompletableFuture.supplyAsync(
            () -> timed(() -> vision.train(size.pretrainVisionSteps(), size.batchSize(), seed)),
            command -> {
              Thread t = new Thread(command, "lntune-demo-vit");
              t.setDaemon(true);
              t.start();
            });
    console.printf(
        "pretraining the tiny LLaMA on the world's text, %d steps%n", size.pretrainTextSteps());
    console.printf(
        "  LLaMA %s%n",
        timed(
            () -> TextPretraining.run(lm, tok, size.pretrainTextSteps(), size.batchSize(), seed)));
    try {
      console.printf("  ViT %s%n", visionDone.join());
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    LlavaModel model = new LlavaModel(DemoModels.llava(vocab), cpu);
    Init.normal(model, 0.02, seed); // the connector's start
    copyParameters(lm, model.languageModel());
    copyParameters(tower, model.visionTower());
    SafetensorsWriter.write(file, Modules.namedParameters(model));
    model.close();
    vision.close();
    lm.close();
  }

  /** Copies every parameter of {@code from} into the parameter of the same name in {@code to}. */
  private static void copyParameters(Module from, Module to) {
    Map<String, Tensor> target = Modules.namedParameters(to);
    try (NoGradGuard g = new NoGradGuard()) {
      Modules.namedParameters(from)
          .forEach(
              (name, p) -> {
                Tensor t = target.get(name);
                if (t == null) {
                  throw new IllegalStateException("no parameter " + name + " to copy into");
                }
                t.copy_(p);
              });
    }
  }

  /** {@return "loss 6.957 -> 0.071 in 4m31s" for the run {@code training} does} */
  private static String timed(Supplier<TrainingRun> training) {
    long start = System.nanoTime();
    List<Double> l = training.get().losses();
    long s = (System.nanoTime() - start) / 1_000_000_000;
    return String.format(
        "loss %.3f -> %.3f in %dm%02ds", l.get(0), l.get(l.size() - 1), s / 60, s % 60);
  }

  private static LlavaModel load(Path state, long vocab) {
    LlavaModel model = new LlavaModel(DemoModels.llava(vocab), Placement.cpu(DType.F32));
    TrainableDelta.apply(model, state);
    return model;
  }

  /**
   * One tuner run's settings.
   *
   * @param selection what trains
   * @param subset the share of the data to train on; empty for all of it
   * @param learningRate the peak learning rate
   * @param dir the run's directory
   * @param steps how many steps
   * @param template the conversation template: plain for stage 1's captions, vicuna_v1 after
   */
  private record Training(
      Selection selection,
      Optional<Subset> subset,
      double learningRate,
      Path dir,
      int steps,
      String template) {}

  /**
   * Records a stage-2 run's step times and the gradient variance of the steps that measured it (all
   * trainable tensors together).
   */
  private static final class StepRecorder implements TrainingListener {
    final List<Double> stepMillis = new ArrayList<>();
    final List<Long> measuredSteps = new ArrayList<>();
    final List<Double> variances = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      stepMillis.add(m.stepMillis());
      GradientNoise.Stats all = m.gradients().get(GradientNoise.ALL);
      if (all != null && all.variance() > 0 && Double.isFinite(all.variance())) {
        measuredSteps.add(m.step());
        variances.add(all.variance());
      }
    }

    /**
     * {@return the run's gradient variances; empty with fewer than two, too few for an interval}
     */
    Optional<DemoAnalyses.GradientVariance> variances(String label) {
      return variances.size() < 2
          ? Optional.empty()
          : Optional.of(new DemoAnalyses.GradientVariance(label, measuredSteps, variances));
    }
  }

  /**
   * Trains {@code model}; a stage-2 run (with a {@code recorder}) takes its batch in {@link
   * #STAGE2_MICRO_BATCHES} micro-batches and measures the gradient statistics about twenty times.
   */
  private TuningResult tune(
      LlavaModel model,
      Tokenizer tok,
      Path data,
      Path images,
      Training t,
      DemoSize size,
      Optional<StepRecorder> recorder) {
    int microBatches = recorder.isPresent() ? STAGE2_MICRO_BATCHES : 1;
    LayerNormTuner.Builder b =
        LayerNormTuner.builder()
            .model(model)
            .tokenizer(tok)
            .trainData(data, images)
            .selection(t.selection())
            .batchSize(size.batchSize() / microBatches)
            .gradientAccumulation(microBatches)
            .maxSteps(t.steps())
            .learningRate(t.learningRate())
            .seed(seed)
            .outputDir(t.dir())
            .listener(ProgressBarListener.console())
            .template(t.template());
    t.subset().ifPresent(b::subset);
    if (t.selection().is(Strategy.LORA)) {
      b.lora(LORA);
    }
    if (recorder.isPresent()) {
      b.listener(recorder.get()).gradientStatsEvery(Math.max(1, t.steps() / 20));
    }
    try (LayerNormTuner tuner = b.build()) {
      return tuner.fit();
    }
  }

  /** {@return the stage-2 rate that --lr gives {@code strategy}, else the demo's own} */
  private double learningRate(Strategy strategy) {
    Double chosen = chosenRates.get(strategy);
    return chosen != null ? chosen : LEARNING_RATES.get(strategy);
  }

  /**
   * {@return the --lr rates by strategy; refuses an unknown strategy or a rate that is not
   * positive}
   */
  private Map<Strategy, Double> chosenRates() {
    Map<Strategy, Double> out = new EnumMap<>(Strategy.class);
    learningRates.forEach(
        (name, rate) -> {
          if (!(rate > 0 && Double.isFinite(rate))) {
            throw new ParameterException(
                spec.commandLine(), "--lr " + name + ": the rate must be positive, got " + rate);
          }
          try {
            out.put(Strategy.parse(name), rate);
          } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--lr: " + e.getMessage());
          }
        });
    return out;
  }

  /**
   * Deletes the stage-2 runs under {@code --out}: every demo trains them afresh. They are
   * checkpointed only at their end, so all a rerun could resume is a finished run, and its row of
   * the report (step times, memory, gradient statistics) comes from its training.
   */
  private void clearStage2Runs() {
    for (Strategy s : Strategy.values()) {
      delete(runDir(s, false));
    }
    delete(out.resolve(ABLATIONS));
  }

  private static void delete(Path runDir) {
    try {
      if (Files.isDirectory(runDir)) {
        AtomicDirectory.delete(runDir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the earlier run " + runDir, e);
    }
  }

  private Path runDir(Strategy strategy, boolean stage1) {
    return out.resolve(strategy.name().toLowerCase(Locale.ROOT) + (stage1 ? "-stage1" : ""));
  }

  private static double chance(List<AnswerAccuracy.Question> questions) {
    return questions.stream().mapToDouble(q -> 1.0 / q.candidates().size()).average().orElse(0);
  }
}
