package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.TinyLlava;
import io.lntune.training.distributed.LocalLauncher;
import io.lntune.training.synth.SyntheticBenchmarks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune eval} as a data-parallel job: two ranks share an uneven number of questions out and
 * rank 0 writes the very files one process writes.
 */
class EvalDistributedTest {
  @TempDir Path dir;

  @Test
  void twoRanksWriteTheFilesOneProcessWrites() throws Exception {
    Path model = TinyLlava.withLlamaTokenizer(dir, 0.5); // replies that depend on the question
    Path bench = new SyntheticBenchmarks(4, 1, 32).write(dir.resolve("bench"));
    // with batches of 2, rank 0 answers questions 0 2 | 4 6 and rank 1 1 3 | 5: other batches than
    // 0 1 | 2 3 | ...
    List<String> eval =
        Stream.concat(
                Arrays.stream(EvalArgs.eval("vqav2", model, bench, EvalArgs.vqav2(bench))),
                Stream.of(
                    "--shots-file",
                    bench.resolve("vqav2/shots.json").toString(),
                    "--max-new-tokens",
                    "3",
                    "--batch-size",
                    "2",
                    "--limit",
                    "7",
                    "--distributed-timeout",
                    "60"))
            .toList();
    Path single = dir.resolve("single");
    CliRun one =
        CliRun.of(
            Stream.concat(eval.stream(), Stream.of("--out", single.toString()))
                .toArray(String[]::new));
    assertThat(one.code()).as(one.err()).isZero();
    List<String> answers = Files.readAllLines(single.resolve("answers.jsonl"));
    assertThat(answers).hasSize(7);
    assertThat(
            answers.stream().map(a -> a.replaceAll(".*\"text\":(\"[^\"]*\").*", "$1")).distinct())
        .as("replies that differ, so that their order shows")
        .hasSizeGreaterThan(2);

    Path sharded = dir.resolve("sharded");
    CliRun two =
        CliRun.of(
            Stream.concat(
                    eval.stream(),
                    Stream.of(
                        "--out",
                        sharded.toString(),
                        "--nproc-per-node",
                        "2",
                        "--master-port",
                        Integer.toString(LocalLauncher.Job.standalone(2).masterPort())))
                .toArray(String[]::new));
    assertThat(two.code()).as(two.out() + two.err()).isZero();
    assertThat(two.out()).contains("[rank 0] {").doesNotContain("[rank 1] {");

    List<Path> files = files(single);
    assertThat(files(sharded)).as("the same files").isEqualTo(files);
    for (Path f : files) {
      assertThat(Files.readAllBytes(sharded.resolve(f)))
          .as(f.toString())
          .isEqualTo(Files.readAllBytes(single.resolve(f)));
    }
  }

  private static List<Path> files(Path out) throws IOException {
    try (Stream<Path> s = Files.walk(out)) {
      return s.filter(Files::isRegularFile).map(out::relativize).sorted().toList();
    }
  }
}
