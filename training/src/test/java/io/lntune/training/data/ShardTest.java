package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel shards ({@link BatchOrder#shard}): from the seeded order every rank shares, each
 * rank's batches are its part of the global batches, every sample is read once per epoch across the
 * ranks, and every rank takes the same number of batches.
 */
class ShardTest {
  @Test
  void theRanksTogetherReadEverySampleOnceInTheGlobalBatches() {
    for (int ranks : new int[] {2, 3}) {
      int n = 4 * ranks * 5; // divides evenly: no padding
      List<int[]> global = BatchOrder.shuffled(n, 4 * ranks, 11);
      List<List<int[]>> shards = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        shards.add(BatchOrder.shard(global, r, ranks));
      }
      List<Integer> seen = new ArrayList<>();
      for (int b = 0; b < global.size(); b++) {
        int[] together = new int[0];
        for (int r = 0; r < ranks; r++) {
          int[] part = shards.get(r).get(b);
          assertThat(part).hasSize(4);
          together = IntStream.concat(Arrays.stream(together), Arrays.stream(part)).toArray();
        }
        assertThat(together).as("batch %d", b).containsExactly(global.get(b));
        Arrays.stream(together).forEach(seen::add);
      }
      assertThat(seen).containsExactlyInAnyOrderElementsOf(IntStream.range(0, n).boxed().toList());
    }
  }

  @Test
  void aShortLastBatchIsPaddedSoThatEveryRankStepsAlike() {
    List<int[]> global = BatchOrder.shuffled(9, 8, 3); // batches of 8 and 1
    List<int[]> rank0 = BatchOrder.shard(global, 0, 2);
    List<int[]> rank1 = BatchOrder.shard(global, 1, 2);
    assertThat(rank0).hasSize(2);
    assertThat(rank1).hasSize(2);
    assertThat(rank0.get(1)).containsExactly(global.get(1));
    assertThat(rank1.get(1)).containsExactly(global.get(1)); // DistributedSampler's padding
  }

  @Test
  void oneRankIsTheWholeData() {
    List<int[]> global = BatchOrder.shuffled(10, 4, 5);
    assertThat(BatchOrder.shard(global, 0, 1)).usingRecursiveComparison().isEqualTo(global);
  }
}
