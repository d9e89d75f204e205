package io.lntune.tools;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/** {@code lntune eval} command lines over a {@code SyntheticBenchmarks} directory. */
final class EvalArgs {
  private EvalArgs() {}

  /** {@return {@code eval --benchmark BENCHMARK --model MODEL --images BENCH/images}, then more} */
  static String[] eval(String benchmark, Path model, Path bench, String... more) {
    return Stream.concat(
            Stream.of(
                "eval",
                "--benchmark",
                benchmark,
                "--model",
                model.toString(),
                "--images",
                bench.resolve("images").toString()),
            Arrays.stream(more))
        .toArray(String[]::new);
  }

  /** {@return BENCH's VQAv2 questions and annotations as eval's options, then more} */
  static String[] vqav2(Path bench, String... more) {
    return Stream.concat(
            Stream.of(
                "--questions",
                bench.resolve("vqav2/questions.json").toString(),
                "--annotations",
                bench.resolve("vqav2/annotations.json").toString()),
            Arrays.stream(more))
        .toArray(String[]::new);
  }
}
