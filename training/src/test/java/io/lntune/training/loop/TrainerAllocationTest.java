package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.torch.DType;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The trainer's own Java heap allocation per step (the loop, gradient collection and scaling,
 * clipping, AdamW and the copies into the model), measured on the training thread with the thread's
 * allocation counter, which counts bytes, not time. What the task's forward and backward allocate
 * (JavaCPP wrappers of the tensors libtorch returns) is left out, and so is the listener that
 * measures.
 */
class TrainerAllocationTest {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Per trainable tensor and step: a few wrappers of the tensors libtorch hands back. */
  private static final long BYTES_PER_TENSOR = 768;

  /**
   * Per step: the step's metrics, native-memory scopes, and the optimizer's call of libtorch's
   * fused AdamW through the dispatcher (its boxed argument stack, about 3 KiB: the price of one
   * native pass per parameter instead of seven).
   */
  private static final long BYTES_PER_STEP = 5120;

  @Test
  void theTrainersOwnAllocationPerStepIsSmallAndDoesNotGrow() {
    LlamaModel model = TrainerTest.tinyModel(DType.BF16);
    TrainableParameters trainables =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e-3, 0.0, trainables.all());
    long[] taskBytes = {0};
    NextTokenTask<Fixed> nextToken = new NextTokenTask<>(model);
    TrainingTask<Fixed>
        task = // the run's task, its own allocation measured apart from the trainer's
        new TrainingTask<>() {
              @Override
              public CausalLmLoss.Result loss(Fixed batch) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                CausalLmLoss.Result out = nextToken.loss(batch);
                taskBytes[0] += THREADS.getCurrentThreadAllocatedBytes() - before;
                return out;
              }

              @Override
              public void backward(CausalLmLoss.Result loss) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                nextToken.backward(loss);
                taskBytes[0] += THREADS.getCurrentThreadAllocatedBytes() - before;
              }
            };
    TextTask.Batch batch = TextTask.data(5, 0, 2, 12, 256).next();
    Fixed fixed = new Fixed(batch.ids());
    List<Long> trainerBytes = new ArrayList<>();
    long[] afterLastStep = {-1};
    TrainingListener measure =
        new TrainingListener() {
          @Override
          public void onStep(StepMetrics m) {
            long now = THREADS.getCurrentThreadAllocatedBytes();
            if (afterLastStep[0] >= 0) {
              trainerBytes.add(now - afterLastStep[0] - taskBytes[0]);
            }
            taskBytes[0] = 0;
            afterLastStep[0] = THREADS.getCurrentThreadAllocatedBytes();
          }
        };
    int steps = 120;
    try {
      new Trainer<>(trainables, adam, task, TrainerTest.config(steps, 1), null, List.of(measure))
          .run(
              from ->
                  Endless.from(
                      from, i -> fixed)); // the same batch every step: no allocation for data
    } finally {
      batch.close();
      model.close();
    }
    int tensors = trainables.all().size();
    long bound = BYTES_PER_STEP + BYTES_PER_TENSOR * tensors;
    List<Long> early = trainerBytes.subList(10, 40);
    List<Long> late = trainerBytes.subList(trainerBytes.size() - 30, trainerBytes.size());
    System.out.printf(
        "trainer's Java allocation per step, %d trainable tensors: steps 12-41 %s, last 30 %s%n",
        tensors, early, late);
    assertThat(late)
        .as("bytes per step, bound %d", bound)
        .allSatisfy(b -> assertThat(b).isLessThan(bound));
    assertThat(mean(late))
        .as("no growth with the step count")
        .isLessThanOrEqualTo(mean(early) + 64);
  }

  private static double mean(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).average().orElseThrow();
  }

  /** A batch that the trainer's close after each step leaves alone. */
  private record Fixed(Tensor ids) implements NextTokenTask.Tokens {
    @Override
    public void close() {}
  }
}
