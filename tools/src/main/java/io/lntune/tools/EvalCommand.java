package io.lntune.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.llava.LlavaModel;
import io.lntune.training.data.Turn;
import io.lntune.training.distributed.DistributedGroup;
import io.lntune.training.distributed.DistributedSettings;
import io.lntune.training.eval.Benchmark;
import io.lntune.training.eval.Evaluation;
import io.lntune.training.eval.LlavaAnswerer;
import io.lntune.training.eval.Shots;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune eval}: answer a benchmark's questions with a LLaVA model and score the answers
 * ({@link Evaluation}).
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Answer a benchmark's questions with a LLaVA model (batched, KV cache) and score them: MME "
          + "(per-subtask acc and acc+, perception and cognition totals), POPE (accuracy, precision, recall, F1, "
          + "yes-ratio per split), VQAv2 (VQA accuracy; the test-server submission), COCO and Flickr30k captions "
          + "(CIDEr-D, BLEU). Writes answers.jsonl, scores.json and the benchmark's result files to --out.",
      "With --nproc-per-node N (or under a torchrun-style environment) the ranks share the questions "
          + "out (question i to rank i mod N) and rank 0 writes the same files as one process, in the "
          + "questions' order.",
      "lntune synth --out DIR --images 8 --benchmarks 8 writes small benchmarks in each format."
    })
final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--benchmark",
      required = true,
      description = "mme, pope, vqav2, coco-caption or " + "flickr30k-caption.")
  String benchmark;

  @Option(
      names = "--model",
      converter = ModelPathConverter.class,
      required = true,
      paramLabel = "DIR|ID",
      description = "LLaVA model directory, or model id in the Hugging Face cache.")
  Path model;

  @Option(
      names = "--tokenizer",
      converter = ModelPathConverter.class,
      paramLabel = "FILE|DIR|ID",
      description = "Tokenizer (default: the model directory).")
  Path tokenizer;

  @Option(
      names = "--questions",
      required = true,
      paramLabel = "FILE",
      description =
          "The question file (MME: a "
              + "<subtask>.txt or a directory of them; captions: a COCO-format file whose images are captioned).")
  Path questions;

  @Option(
      names = "--images",
      required = true,
      paramLabel = "DIR",
      description = "The image folder.")
  Path images;

  @Option(
      names = "--annotations",
      paramLabel = "FILE",
      description =
          "Answers to score against: VQA annotations, "
              + "COCO-format captions, POPE labels (when the questions lack them).")
  Path annotations;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Option(
      names = "--instruction",
      paramLabel = "TEXT",
      description =
          "Appended on a new line to each question, or "
              + "the caption prompt (default: LLaVA-1.5's \""
              + Benchmark.SHORT_ANSWER
              + "\"; for captions \""
              + Benchmark.CAPTION_PROMPT
              + "\").")
  String instruction;

  @Option(
      names = "--shots-file",
      paramLabel = "FILE",
      description =
          "Text-only demonstrations, a JSON array of "
              + "{\"question\", \"answer\"}, put before every question as earlier turns.")
  Path shotsFile;

  @Option(
      names = "--shots",
      paramLabel = "N",
      description = "How many demonstrations to use (default: all in " + "--shots-file).")
  Integer shots;

  @Option(
      names = "--batch-size",
      defaultValue = "8",
      description = "Questions generated together. " + "Default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Answer only the first N questions (0: all). " + "Default: ${DEFAULT-VALUE}.")
  int limit;

  @Option(
      names = "--model-id",
      description = "Written into every answer (default: the model directory's name).")
  String modelId;

  @Mixin SamplingOptions sampling;

  @Mixin LlavaOptions llava;

  @Mixin PlacementOptions placementOptions;

  @Mixin DistributedOptions distributed;

  @Override
  public Integer call() throws Exception {
    if (distributed.launches()) {
      return distributed.launch(spec);
    }
    Benchmark b = Benchmark.parse(benchmark);
    if (shots != null && shotsFile == null) {
      throw new IllegalArgumentException("--shots needs --shots-file");
    }
    if (shots != null && shots < 0) {
      throw new IllegalArgumentException("--shots must be >= 0, got " + shots);
    }
    List<Turn> demos =
        shotsFile == null ? List.of() : Shots.read(shotsFile, shots == null ? -1 : shots);
    Evaluation.Settings settings =
        new Evaluation.Settings(
            b,
            questions,
            images,
            Optional.ofNullable(annotations),
            out,
            instruction != null ? instruction : b.defaultInstruction(),
            demos,
            batchSize,
            limit,
            modelId != null
                ? modelId
                : model.toAbsolutePath().normalize().getFileName().toString());
    Optional<DistributedSettings> job = distributed.fromEnvironment();
    Optional<JsonNode> scores;
    if (job.isEmpty()) {
      scores = Optional.of(withAnswerer(answerer -> Evaluation.run(settings, answerer)));
    } else {
      // The group forms before the model loads, so that a rank that fails to load it ends the
      // others at once.
      try (DistributedGroup group =
          DistributedGroup.join(
              job.get().environment(),
              job.get().backendFor(placementOptions.placement().device()),
              job.get().timeout())) {
        scores = withAnswerer(answerer -> Evaluation.run(settings, answerer, group));
      }
    }
    if (scores.isPresent()) { // rank 0's, or a single process's
      spec.commandLine()
          .getOut()
          .println(
              new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(scores.get()));
    }
    return 0;
  }

  /** {@return what {@code evaluation} gives with the model loaded, which is closed after} */
  private <T> T withAnswerer(Function<LlavaAnswerer, T> evaluation) {
    try (LlavaModel m = llava.load(model, placementOptions)) {
      return evaluation.apply(
          new LlavaAnswerer(
              m,
              LlavaOptions.tokenizer(tokenizer, model),
              llava.conversationTemplate(),
              sampling.config()));
    }
  }
}
