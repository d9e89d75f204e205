package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lntune.torch.Torch;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.training.distributed.LocalLauncher;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism on CUDA through NCCL: two ranks, one GPU each, with batch b train as one process
 * on one GPU with batch 2b, the same losses and trained tensors within 1e-5 (fp32). Skipped on a
 * machine with fewer than two CUDA devices (the CPU build has none).
 */
class CudaDataParallelIT {
  @TempDir Path dir;

  @BeforeEach
  void requireTwoGpus() {
    int gpus = Torch.cudaDeviceCount();
    assumeTrue(
        gpus >= 2,
        "NCCL data parallelism needs 2 CUDA devices; this machine has "
            + gpus
            + (Torch.cudaAvailable() ? "" : " (this libtorch is the CPU build)"));
  }

  @Test
  void twoGpusWithBatchBTrainAsOneWithBatchTwoB() throws Exception {
    TinyRun run = TinyRun.create(dir);
    Processes.Result single =
        Processes.run(
            LocalLauncher.javaCommand(
                CudaDataParallelWorker.class.getName(), args(run, dir.resolve("single"), 4)),
            Map.of(),
            600);
    assertThat(single.exitCode()).as(single.output()).isZero();

    LocalLauncher.Captured job =
        LocalLauncher.capture(
            LocalLauncher.Job.standalone(2),
            LocalLauncher.javaCommand(
                CudaDataParallelWorker.class.getName(), args(run, dir.resolve("parallel"), 2)));
    String output = job.output();
    assertThat(job.exit()).as(output).isZero();
    assertThat(output).contains("[rank 0] ", "(NCCL)").contains("[rank 1] ");

    double[] one = losses(single.output(), "");
    for (int rank = 0; rank < 2; rank++) {
      double[] parallel = losses(output, "[rank " + rank + "] ");
      assertThat(parallel).as("rank %d", rank).hasSameSizeAs(one);
      for (int i = 0; i < one.length; i++) {
        assertThat(parallel[i]).as("step %d", i + 1).isCloseTo(one[i], Offset.offset(1e-5));
      }
    }
    try (SafetensorsCheckpoint a =
            SafetensorsCheckpoint.open(dir.resolve("single/trainable.safetensors"));
        SafetensorsCheckpoint b =
            SafetensorsCheckpoint.open(dir.resolve("parallel/trainable.safetensors"))) {
      assertThat(b.names()).isEqualTo(a.names());
      for (String name : a.names()) {
        assertThat(a.tensor(name).sub(b.tensor(name)).abs().max().item_double())
            .as(name)
            .isLessThanOrEqualTo(1e-5);
      }
    }
  }

  private static List<String> args(TinyRun run, Path out, int batch) {
    return List.of(
        run.model().toString(),
        run.data().toString(),
        run.imageRoot().toString(),
        out.toString(),
        Integer.toString(batch),
        "6");
  }

  private static double[] losses(String output, String prefix) {
    Matcher m =
        Pattern.compile(Pattern.quote(prefix + "losses=[") + "([^\\]]*)\\]").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return Arrays.stream(m.group(1).split(",\\s*")).mapToDouble(Double::parseDouble).toArray();
  }
}
