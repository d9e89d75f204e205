package io.lntune.training.optim;

import io.lntune.models.nn.Modules;
import io.lntune.torch.TensorScope;
import io.lntune.training.strategy.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Applies a {@link Selection} to a model: selected parameters get {@code requires_grad} and an fp32
 * master, every other parameter is frozen (no gradient buffer, no optimizer state).
 *
 * <pre>{@code
 * TrainableParameters t = TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM), true);
 * System.out.println(t.trainableCount() + " of " + t.totalCount());
 * }</pre>
 */
public final class TrainableParameters {
  private final List<Trainable> trainables;
  private final long total;

  private TrainableParameters(List<Trainable> trainables, long total) {
    this.trainables = List.copyOf(trainables);
    this.total = total;
  }

  /**
   * @param fp32Masters keep fp32 masters for low-precision parameters (always, except to
   *     demonstrate what happens without them)
   * @throws IllegalArgumentException if the selection matches no parameter
   */
  public static TrainableParameters select(Module model, Selection selection, boolean fp32Masters) {
    List<Trainable> out = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      boolean trains = selection.trains(e.getKey());
      e.getValue().requires_grad_(trains);
      total += e.getValue().numel();
      if (trains) {
        out.add(new Trainable(e.getKey(), e.getValue(), fp32Masters));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "selection " + selection + " matches no parameter of the model");
    }
    return new TrainableParameters(out, total);
  }

  public List<Trainable> all() {
    return trainables;
  }

  /** {@return the number of trainable elements} */
  public long trainableCount() {
    return trainables.stream().mapToLong(t -> t.param().numel()).sum();
  }

  /** {@return the number of elements of every parameter of the model} */
  public long totalCount() {
    return total;
  }

  // The per-step methods below loop by index and share one guard and one scalar among all
  // parameters: they run
  // every step, and the only Java objects they make are the wrappers of the tensors libtorch
  // returns.

  /** Moves fresh gradients into the fp32 accumulators; call after each backward. */
  public void collectGradients() {
    // The scope frees the gradients' wrappers now rather than by the GC.
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < trainables.size(); i++) {
        trainables.get(i).collectGradient();
      }
    }
  }

  /**
   * Refreshes the model's low-precision copies from the masters; call after each optimizer step.
   */
  public void syncToModel() {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < trainables.size(); i++) {
        trainables.get(i).syncToModel();
      }
    }
  }

  /**
   * {@return every trainable's accumulated gradient, in order, a zero one where no gradient reached
   * it} For summing the gradients over data-parallel processes; call inside a {@link TensorScope}
   * and under a {@link NoGradGuard}.
   */
  public List<Tensor> gradientsForReduction() {
    List<Tensor> out = new ArrayList<>(trainables.size());
    for (Trainable t : trainables) {
      out.add(t.gradientOrZero());
    }
    return out;
  }

  /**
   * {@return what trainable {@code index} has accumulated this step, to which a gradient still on
   * its way (a backward hook's) is added as {@link #collectGradients} would add it: the fp32
   * accumulator of a separate master, else the parameter's own gradient; empty when nothing reached
   * it yet} Call under a {@link NoGradGuard}.
   */
  public Optional<Tensor> accumulated(int index) {
    return trainables.get(index).accumulated();
  }

  /** Forgets all gradients. */
  public void clearGradients() {
    try (TensorScope scope =
        TensorScope.open()) { // else the wrappers of grad() would hold the freed gradients
      for (int i = 0; i < trainables.size(); i++) {
        trainables.get(i).clearGradient();
      }
    }
  }
}
