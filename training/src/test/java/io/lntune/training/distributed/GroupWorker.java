package io.lntune.training.distributed;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank of the tests' jobs, started in its own JVM with the {@code torchrun} variables. {@code
 * sum}: all-reduces {@code rank + 1} and prints the sum. {@code loop}: all-reduces forever, so that
 * a test can kill a rank. {@code gather}: rank 0 gathers no bytes and rank 1 five, both print what
 * they got in hex. {@code fail}: rank 1 ends with exit status 3 after joining, rank 0 waits at a
 * barrier. {@code hang}: rank 1 sleeps for two minutes after joining, rank 0 waits at a barrier.
 */
public final class GroupWorker {
  private GroupWorker() {}

  public static void main(String[] args) {
    TorchrunEnvironment env = TorchrunEnvironment.from(System.getenv()).orElseThrow();
    Duration timeout = Duration.ofSeconds(Long.parseLong(args[1]));
    try (DistributedGroup group = DistributedGroup.join(env, DistributedBackend.GLOO, timeout)) {
      switch (args[0]) {
        case "sum" -> {
          Tensor t = Tensor.create(new double[] {group.rank() + 1.0}, 1);
          group.allReduceSum(t, "a test tensor");
          System.out.println("sum=" + t.item_double());
          group.barrier("the sum");
        }
        case "gather" -> {
          byte[] mine = group.rank() == 0 ? new byte[0] : new byte[] {-1, 0, 127, -128, 5};
          List<byte[]> all = AllGather.bytes(group, mine, "test bytes");
          System.out.println(
              "gathered="
                  + all.stream().map(HexFormat.of()::formatHex).collect(Collectors.joining("|")));
        }
        case "loop" -> {
          for (long i = 1; ; i++) {
            group.allReduceSum(Tensor.create(new double[] {1}, 1), "round " + i);
            if (i == 3) {
              System.out.println("looping");
            }
          }
        }
        case "fail" -> {
          if (group.rank() == 1) {
            System.exit(3);
          }
          group.barrier("waiting for rank 1");
        }
        case "hang" -> {
          if (group.rank() == 1) {
            Thread.sleep(120_000);
          }
          group.barrier("waiting for rank 1");
        }
        default -> throw new IllegalArgumentException(args[0]);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      System.out.println("FAILED: " + e.getMessage().split("\n")[0]);
      System.exit(2);
    }
  }
}
