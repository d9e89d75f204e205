package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.training.distributed.LocalLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lntune train} as a data-parallel job: started by {@code --nproc-per-node 2}, and as two
 * processes under a hand-set {@code torchrun} environment, which train alike.
 */
class TrainDistributedTest {
  @TempDir Path dir;

  private static List<String> trainArgs(TrainFixture f, Path out) {
    return List.of(
        f.train(
            "--output",
            out.toString(),
            "--batch-size",
            "1",
            "--max-steps",
            "2",
            "--distributed-timeout",
            "60"));
  }

  @Test
  void nprocPerNodeLaunchesTheRanksAndATorchrunEnvironmentTrainsTheSame() throws Exception {
    TrainFixture f = TrainFixture.create(dir);
    Path launched = dir.resolve("launched");
    String port = Integer.toString(LocalLauncher.Job.standalone(2).masterPort());
    CliRun run =
        CliRun.of(
            Stream.concat(
                    trainArgs(f, launched).stream(),
                    Stream.of("--nproc-per-node", "2", "--master-port", port))
                .toArray(String[]::new));
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("[rank 0] trained 2 steps", "[rank 1] trained 2 steps");
    assertThat(Files.readString(launched.resolve("run.json"))).contains("\"world_size\" : 2");

    Path byHand = dir.resolve("by-hand");
    LocalLauncher.Job job = LocalLauncher.Job.standalone(2);
    List<Process> ranks = new ArrayList<>();
    for (int local = 0; local < 2; local++) {
      ProcessBuilder pb =
          new ProcessBuilder(
                  LocalLauncher.javaCommand(LntuneCli.class.getName(), trainArgs(f, byHand)))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("rank" + local + ".log").toFile());
      pb.environment().putAll(job.rank(local).toVariables());
      ranks.add(pb.start());
    }
    for (int local = 0; local < 2; local++) {
      assertThat(ranks.get(local).waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(ranks.get(local).exitValue())
          .as(Files.readString(dir.resolve("rank" + local + ".log")))
          .isZero();
    }
    assertThat(Files.readAllBytes(byHand.resolve("trainable.safetensors")))
        .isEqualTo(Files.readAllBytes(launched.resolve("trainable.safetensors")));
  }

  @Test
  void theWorkersGetEveryArgumentButTheLaunchOptions() {
    assertThat(
            DistributedOptions.workerArgs(
                List.of(
                    "train",
                    "--nproc-per-node",
                    "2",
                    "--model",
                    "m",
                    "--master-port=29501",
                    "--nnodes",
                    "1",
                    "--node-rank",
                    "0",
                    "--master-addr",
                    "h",
                    "--batch-size",
                    "4")))
        .containsExactly("train", "--model", "m", "--batch-size", "4");
  }
}
