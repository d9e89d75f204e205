package io.lntune;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaModel;
import io.lntune.torch.safetensors.SafetensorsCheckpoint;
import io.lntune.training.distributed.LocalLauncher;
import io.lntune.training.run.TuningResult;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Gloo processes with batch b train as one process with batch 2b: the same losses and final
 * trainable tensors (fp32, within 1e-5), frozen tensors bit-identical, and rank 0 alone writing the
 * outputs.
 */
class DataParallelTest {
  @TempDir Path dir;

  @Test
  void twoRanksOfBatchBEqualOneProcessOfBatchTwoB() throws IOException {
    SyntheticWorld.Summary data =
        new SyntheticWorld(24, 3, 16, 0.25).generate(dir.resolve("world"));
    String testdata = System.getProperty("lntune.testdata");
    String[] single = args(testdata, data, dir.resolve("single"), 4);
    LlavaModel model = LayerNormTunerTest.tinyLlava();
    long frozenBefore = DataParallelWorker.frozenChecksum(model);
    TuningResult one = DataParallelWorker.train(model, single);

    LocalLauncher.Captured launched =
        launch(List.of(args(testdata, data, dir.resolve("parallel"), 2)));
    String output = launched.output();
    assertThat(launched.exit()).as(output).isZero();

    for (int rank = 0; rank < 2; rank++) {
      double[] losses = losses(output, rank);
      assertThat(losses).as("rank %d", rank).hasSize(one.losses().size());
      for (int i = 0; i < losses.length; i++) {
        assertThat(losses[i]).as("step %d", i + 1).isCloseTo(one.losses().get(i), within());
      }
      assertThat(output).contains("[rank " + rank + "] frozen=" + frozenBefore);
    }
    assertThat(DataParallelWorker.frozenChecksum(model)).isEqualTo(frozenBefore);

    Path parallel = dir.resolve("parallel");
    try (SafetensorsCheckpoint a =
            SafetensorsCheckpoint.open(dir.resolve("single/trainable.safetensors"));
        SafetensorsCheckpoint b =
            SafetensorsCheckpoint.open(parallel.resolve("trainable.safetensors"))) {
      assertThat(b.names()).isEqualTo(a.names());
      double largest = 0;
      for (String name : a.names()) {
        double difference = a.tensor(name).sub(b.tensor(name)).abs().max().item_double();
        assertThat(difference).as(name).isLessThanOrEqualTo(1e-5);
        largest = Math.max(largest, difference);
      }
      System.out.printf(
          "2 ranks x batch 2 vs 1 x batch 4: losses %s vs %s, largest trained-tensor difference %.2e%n",
          Arrays.toString(losses(output, 0)), one.losses(), largest);
    }
    assertThat(Files.readString(parallel.resolve("run.json"))).contains("\"world_size\" : 2");
    assertThat(Files.readAllLines(parallel.resolve("metrics.jsonl")))
        .hasSameSizeAs(Files.readAllLines(dir.resolve("single/metrics.jsonl")));
  }

  /**
   * Rank 0 killed (as by {@code kill -9}) after the checkpoint of step 4 ends the job; rerun, it
   * resumes and ends with the tensors of an uninterrupted 2-rank run, bit for bit.
   */
  @Test
  void aKilledJobResumesExactly() throws IOException {
    SyntheticWorld.Summary data =
        new SyntheticWorld(24, 3, 16, 0.25).generate(dir.resolve("world"));
    String testdata = System.getProperty("lntune.testdata");
    List<String> whole = List.of(args(testdata, data, dir.resolve("whole"), 2));
    assertThat(launch(whole).exit()).isZero();

    Path resumed = dir.resolve("resumed");
    List<String> interrupted = new ArrayList<>(List.of(args(testdata, data, resumed, 2)));
    interrupted.add("4");
    LocalLauncher.Captured killed = launch(interrupted);
    assertThat(killed.exit()).as(killed.output()).isNotZero();
    assertThat(killed.output()).contains("rank 0 ended with exit status 137");
    assertThat(resumed.resolve("checkpoint-000004")).isDirectory();
    assertThat(resumed.resolve("trainable.safetensors")).doesNotExist();

    LocalLauncher.Captured rerun = launch(List.of(args(testdata, data, resumed, 2)));
    assertThat(rerun.exit()).as(rerun.output()).isZero();
    assertThat(losses(rerun.output(), 0)).hasSize(2); // steps 5 and 6
    assertThat(Files.readAllBytes(resumed.resolve("trainable.safetensors")))
        .isEqualTo(Files.readAllBytes(dir.resolve("whole/trainable.safetensors")));
  }

  /** Runs two {@link DataParallelWorker}s with {@code args}. */
  private static LocalLauncher.Captured launch(List<String> args) {
    return LocalLauncher.capture(
        LocalLauncher.Job.standalone(2),
        LocalLauncher.javaCommand(DataParallelWorker.class.getName(), args));
  }

  private static Offset<Double> within() {
    return Offset.offset(1e-5);
  }

  private static String[] args(String testdata, SyntheticWorld.Summary data, Path out, int batch) {
    return new String[] {
      testdata,
      data.stage2Train().toString(),
      data.imageRoot().toString(),
      out.toString(),
      Integer.toString(batch),
      "6"
    };
  }

  private static double[] losses(String output, int rank) {
    Matcher m = Pattern.compile("\\[rank " + rank + "\\] losses=\\[([^\\]]*)\\]").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return Arrays.stream(m.group(1).split(",\\s*")).mapToDouble(Double::parseDouble).toArray();
  }
}
