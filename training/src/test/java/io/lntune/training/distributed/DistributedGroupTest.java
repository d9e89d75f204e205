package io.lntune.training.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.lntune.torch.Device;
import io.lntune.torch.LntuneException;
import io.lntune.torch.Torch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs on this machine form a Gloo group through a TCPStore: they sum a tensor, gather bytes, a
 * rank that dies ends the other with a message naming the operation, and the launcher forwards
 * output and ends the job when a rank fails. The backend follows the model's device (NCCL on the
 * rank's own GPU), and NCCL asked of the CPU build fails the join with a message that says why.
 */
class DistributedGroupTest {
  @TempDir Path dir;

  static List<String> worker(String mode, int timeoutSeconds) {
    return LocalLauncher.javaCommand(
        GroupWorker.class.getName(), List.of(mode, Integer.toString(timeoutSeconds)));
  }

  private static LocalLauncher.Captured twoRanks(String mode, int timeoutSeconds) {
    return LocalLauncher.capture(LocalLauncher.Job.standalone(2), worker(mode, timeoutSeconds));
  }

  @Test
  void twoProcessesSumATensor() {
    LocalLauncher.Captured job = twoRanks("sum", 60);
    assertThat(job.exit()).as(job.output()).isZero();
    assertThat(job.output()).contains("[rank 0] sum=3.0", "[rank 1] sum=3.0");
  }

  @Test
  void everyRankGetsEveryRanksBytes() {
    LocalLauncher.Captured job = twoRanks("gather", 60);
    assertThat(job.exit()).as(job.output()).isZero();
    assertThat(job.output())
        .as("an empty row, and bytes above 127 unchanged")
        .contains("[rank 0] gathered=|ff007f8005", "[rank 1] gathered=|ff007f8005");
  }

  @Test
  void aRankThatFailsEndsTheJob() {
    long start = System.nanoTime();
    LocalLauncher.Captured job = twoRanks("fail", 600);
    assertThat(job.exit()).as(job.output()).isEqualTo(3);
    assertThat(job.output()).contains("rank 1 ended with exit status 3: ending the other ranks");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(60); // not the 600 s timeout
  }

  @Test
  void aRankThatHangsEndsTheJobAfterTheTimeout() {
    long start = System.nanoTime();
    LocalLauncher.Captured job = twoRanks("hang", 5);
    assertThat(job.exit()).as(job.output()).isEqualTo(2);
    assertThat(job.output())
        .contains(
            "[rank 0] FAILED: rank 0 of 2 (GLOO): the barrier after waiting for rank 1 failed")
        .contains("did not answer within 5 s");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(60); // not rank 1's two minutes
  }

  @Test
  void killingOneRankEndsTheOtherWithAClearMessage() throws Exception {
    LocalLauncher.Job job = LocalLauncher.Job.standalone(2);
    List<Process> ranks = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int local = 0; local < 2; local++) {
      Path log = dir.resolve("rank" + local + ".log");
      ProcessBuilder pb = new ProcessBuilder(worker("loop", 20)).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      pb.environment().putAll(job.rank(local).toVariables());
      ranks.add(pb.start());
      logs.add(log);
    }
    try {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!Files.readString(logs.get(1)).contains("looping")) {
        assertThat(System.nanoTime()).as(Files.readString(logs.get(1))).isLessThan(deadline);
        Thread.sleep(50);
      }
      ranks.get(1).destroyForcibly(); // SIGKILL
      long killed = System.nanoTime();
      assertThat(ranks.get(0).waitFor(40, TimeUnit.SECONDS)).isTrue();
      assertThat((System.nanoTime() - killed) / 1e9).isLessThan(40);
      String output = Files.readString(logs.get(0));
      assertThat(ranks.get(0).exitValue()).as(output).isEqualTo(2);
      assertThat(output)
          .containsPattern("FAILED: rank 0 of 2 \\(GLOO\\): the all-reduce of round \\d+ failed");
    } finally {
      ranks.forEach(Process::destroyForcibly);
    }
  }

  @Test
  void theBackendFollowsTheDeviceAndNcclTakesTheRanksOwnGpu() {
    TorchrunEnvironment env = new TorchrunEnvironment(1, 2, 1, 2, "127.0.0.1", 29500);
    DistributedSettings byDevice =
        new DistributedSettings(env, Duration.ofMinutes(1), Optional.empty());
    assertThat(byDevice.backendFor(Device.cpu())).isEqualTo(DistributedBackend.GLOO);
    assertThat(byDevice.backendFor(Device.cuda(1))).isEqualTo(DistributedBackend.NCCL);
    assertThatThrownBy(() -> byDevice.backendFor(Device.cuda(0)))
        .hasMessageEndingWith("rank 1 (LOCAL_RANK 1) needs its model on cuda:1, not cuda:0");
    assertThatThrownBy(() -> byDevice.backendFor(Device.cuda()))
        .hasMessageEndingWith("needs its model on cuda:1, not cuda");
    DistributedSettings gloo =
        new DistributedSettings(env, Duration.ofMinutes(1), Optional.of(DistributedBackend.GLOO));
    assertThat(gloo.backendFor(Device.cuda(0))).isEqualTo(DistributedBackend.GLOO);
    DistributedSettings nccl =
        new DistributedSettings(env, Duration.ofMinutes(1), Optional.of(DistributedBackend.NCCL));
    assertThatThrownBy(() -> nccl.backendFor(Device.cpu()))
        .hasMessageEndingWith("not cpu (on the CPU, use Gloo)");
    assertThat(env.placeOn(Device.cuda())).isEqualTo(Device.cuda(1));
    assertThat(env.placeOn(Device.cuda(0))).isEqualTo(Device.cuda(0));
    assertThat(env.placeOn(Device.cpu())).isEqualTo(Device.cpu());
  }

  @Test
  void ncclOnTheCpuBuildFailsTheJoinNamingTheRankAndWhy() {
    assumeFalse(Torch.cudaAvailable(), "this libtorch has CUDA");
    TorchrunEnvironment env = new TorchrunEnvironment(0, 2, 0, 2, "127.0.0.1", 29500);
    assertThatThrownBy(
            () -> DistributedGroup.join(env, DistributedBackend.NCCL, Duration.ofSeconds(5)))
        .isInstanceOf(LntuneException.class)
        .hasMessageStartingWith(
            "rank 0 of 2 joining the NCCL process group at 127.0.0.1:29500 failed")
        .hasMessageContaining("no CUDA device is available");
  }

  @Test
  void theEnvironmentIsReadWholeOrNotAtAll() {
    assertThat(TorchrunEnvironment.from(Map.of("PATH", "/bin"))).isEmpty();
    Map<String, String> full =
        Map.of(
            "RANK", "1",
            "WORLD_SIZE", "2",
            "LOCAL_RANK", "1",
            "LOCAL_WORLD_SIZE", "2",
            "MASTER_ADDR", "node0",
            "MASTER_PORT", "29500");
    assertThat(TorchrunEnvironment.from(full))
        .contains(new TorchrunEnvironment(1, 2, 1, 2, "node0", 29500));
    assertThatThrownBy(() -> TorchrunEnvironment.from(Map.of("RANK", "0", "WORLD_SIZE", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("WORLD_SIZE is not a number: 'x'")
        .hasMessageContaining("MASTER_ADDR is not set")
        .hasMessageContaining("LOCAL_RANK is not set");
    Map<String, String> badRank = new HashMap<>(full);
    badRank.put("RANK", "2");
    assertThatThrownBy(() -> TorchrunEnvironment.from(badRank))
        .hasMessage("RANK must be in 0..1 (WORLD_SIZE 2), got 2");
    assertThat(new LocalLauncher.Job(2, 2, 1, "node0", 29500).rank(1))
        .isEqualTo(new TorchrunEnvironment(3, 4, 1, 2, "node0", 29500));
  }
}
