package io.lntune.training.distributed;

import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.loop.NextTokenTask;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank of {@link GradientOverlapTest}: a tiny bf16 LLaMA, every parameter trainable with an
 * fp32 master, two micro-batches of this rank's own tokens, the gradients all-reduced in buckets of
 * {@code args[0]} bytes once after the backward and once started during it. The second micro-batch
 * is backpropagated in one pass, then in two (each row on its own, so that every parameter gets two
 * gradients in one step's last backward). For each, prints the buckets, how many started during the
 * backward, whether the two sums are equal bit for bit, and a checksum of the sums (equal on every
 * rank only if they are sums over the ranks).
 */
public final class OverlapWorker {
  private OverlapWorker() {}

  public static void main(String[] args) {
    TorchrunEnvironment env = TorchrunEnvironment.from(System.getenv()).orElseThrow();
    try (DistributedGroup group =
        DistributedGroup.join(env, DistributedBackend.GLOO, Duration.ofSeconds(60))) {
      LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
      Init.normal(model, 0.1, 1);
      model.to(DType.BF16.scalarType(), false);
      TrainableParameters trainables =
          TrainableParameters.select(model, Selection.of(Strategy.FULL), true);
      NextTokenTask<NextTokenTask.Tokens> task = new NextTokenTask<>(model);
      try (DataParallel parallel = new DataParallel(group, trainables, Long.parseLong(args[0]))) {
        for (int passes = 1; passes <= 2; passes++) {
          List<Tensor> after = step(parallel, trainables, task, group.rank(), passes, false);
          List<Tensor> during = step(parallel, trainables, task, group.rank(), passes, true);
          System.out.printf(
              "passes=%d buckets=%d during=%d equal=%b checksum=%.17g%n",
              passes,
              parallel.buckets(),
              parallel.launchedDuringBackward(),
              equal(after, during),
              checksum(during));
        }
      }
    } catch (RuntimeException e) {
      System.out.println("FAILED: " + e.getMessage().split("\n")[0]);
      System.exit(2);
    }
  }

  /**
   * Two micro-batches, the second backpropagated in {@code passes} passes, then the all-reduce,
   * started during the last pass when {@code overlap}. {@return the summed gradients}
   */
  private static List<Tensor> step(
      DataParallel parallel,
      TrainableParameters trainables,
      NextTokenTask<NextTokenTask.Tokens> task,
      int rank,
      int passes,
      boolean overlap) {
    List<Tensor> out = new ArrayList<>();
    try (TensorScope scope = TensorScope.open()) {
      Tensor first = tokens(rank, 0);
      task.backward(task.loss(first, first));
      trainables.collectGradients();
      Tensor second = tokens(rank, 1);
      for (int pass = 0; pass < passes; pass++) {
        if (overlap && pass == 0) {
          parallel.reduceDuringNextBackward(1);
        }
        Tensor rows = passes == 1 ? second : second.narrow(0, pass, 1);
        task.backward(task.loss(rows, rows));
      }
      trainables.collectGradients();
      parallel.allReduce(0, 0, 1);
      try (NoGradGuard g = new NoGradGuard()) {
        for (Tensor gradient : trainables.gradientsForReduction()) {
          out.add(scope.keep(gradient.clone()));
        }
      }
      trainables.clearGradients();
    }
    return out;
  }

  /** {@return two rows of twelve token ids, this rank's and micro-batch's own} */
  private static Tensor tokens(int rank, int micro) {
    Random random = new Random(31L * rank + micro);
    long[] ids = new long[2 * 12];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = random.nextInt((int) LlamaConfigs.tiny().vocabSize());
    }
    return Tensor.create(ids, 2, 12);
  }

  private static boolean equal(List<Tensor> a, List<Tensor> b) {
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).equal(b.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static double checksum(List<Tensor> gradients) {
    double sum = 0;
    for (Tensor g : gradients) {
      sum += g.abs().sum().item_double();
    }
    return sum;
  }
}
