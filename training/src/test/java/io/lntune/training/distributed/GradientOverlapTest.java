package io.lntune.training.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two Gloo ranks all-reduce their gradients in buckets started by gradient hooks during the step's
 * last backward pass: every bucket starts during it, and the sums are those of an all-reduce after
 * it, bit for bit, also when a parameter gets two gradients in that backward ({@link
 * OverlapWorker}).
 */
class GradientOverlapTest {
  @Test
  void everyBucketStartsDuringTheBackwardAndSumsAsAfterIt() {
    LocalLauncher.Captured job =
        LocalLauncher.capture(
            LocalLauncher.Job.standalone(2),
            LocalLauncher.javaCommand(OverlapWorker.class.getName(), List.of("65536")));
    String output = job.output();
    assertThat(job.exit()).as(output).isZero();
    for (int passes = 1; passes <= 2; passes++) {
      Result rank0 = result(output, 0, passes);
      Result rank1 = result(output, 1, passes);
      assertThat(rank0.buckets()).as(output).isGreaterThan(3);
      assertThat(rank0.equal()).as("passes=%d: %s", passes, output).isTrue();
      assertThat(rank1.equal()).as("passes=%d: %s", passes, output).isTrue();
      assertThat(rank1.checksum()).as("the sums over both ranks").isEqualTo(rank0.checksum());
      if (passes == 1) {
        assertThat(rank0.during()).as(output).isEqualTo(rank0.buckets());
        assertThat(rank1.during()).as(output).isEqualTo(rank1.buckets());
      }
    }
  }

  private record Result(int buckets, int during, boolean equal, String checksum) {}

  private static Result result(String output, int rank, int passes) {
    Matcher m =
        Pattern.compile(
                "\\[rank "
                    + rank
                    + "\\] passes="
                    + passes
                    + " buckets=(\\d+) during=(\\d+) equal=(\\w+) checksum=(\\S+)")
            .matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return new Result(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        Boolean.parseBoolean(m.group(3)),
        m.group(4));
  }
}
