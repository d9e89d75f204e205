package io.lntune.training.distributed;

import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Every rank's bytes, to every rank: an all-gather of byte strings of any length, for what is
 * exchanged once outside the training step (a sharded evaluation's answers). It is two of the
 * group's all-reduces: the lengths, then one row per rank as wide as the longest, each rank filling
 * its own row and leaving the others zero, so that the sum is every rank's bytes side by side, on
 * the group's device (NCCL's GPU or the CPU). A rank that died fails it at once, as any collective
 * of the group.
 *
 * <pre>{@code
 * List<byte[]> all = AllGather.bytes(group, mine, "the answers");   // all.get(r): rank r's bytes
 * }</pre>
 */
public final class AllGather {
  private AllGather() {}

  /**
   * Gathers {@code mine} from every rank; every rank must call it, in the same order as the group's
   * other collectives.
   *
   * @param group the process group
   * @param mine this rank's bytes, of any length (empty too)
   * @param what the data, for the message if it fails ("the answers")
   * @return every rank's bytes, indexed by rank
   * @throws LntuneException if a rank failed or did not answer in time, or the rows together exceed
   *     2 GiB
   */
  public static List<byte[]> bytes(DistributedGroup group, byte[] mine, String what) {
    int world = group.worldSize();
    int rank = group.rank();
    try (TensorScope scope = TensorScope.open()) {
      long[] lengths = new long[world];
      lengths[rank] = mine.length;
      Tensor sizes = Tensor.create(lengths, world).to(group.device().toTorch(), ScalarType.Long);
      group.allReduceSum(sizes, "the sizes of " + what);
      LongBuffer summedSizes = sizes.cpu().createBuffer();
      summedSizes.get(lengths);
      long widest = Arrays.stream(lengths).max().orElseThrow();
      if (widest * world > Integer.MAX_VALUE) {
        throw new LntuneException(
            "rank "
                + rank
                + ": cannot gather "
                + what
                + ": "
                + world
                + " rows of "
                + widest
                + " bytes exceed the 2 GiB one all-reduce may carry");
      }
      byte[] rows = new byte[(int) (widest * world)];
      System.arraycopy(mine, 0, rows, (int) (rank * widest), mine.length);
      if (widest > 0) { // when every rank's bytes are empty there is nothing to send
        Tensor gathered =
            Tensor.create(rows, false, rows.length).to(group.device().toTorch(), ScalarType.Byte);
        group.allReduceSum(gathered, what);
        ByteBuffer summed = gathered.cpu().createBuffer();
        summed.get(rows);
      }
      List<byte[]> out = new ArrayList<>();
      for (int r = 0; r < world; r++) {
        int from = (int) (r * widest);
        out.add(Arrays.copyOfRange(rows, from, from + (int) lengths[r]));
      }
      return out;
    }
  }
}
