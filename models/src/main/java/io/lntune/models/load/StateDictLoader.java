package io.lntune.models.load;

import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.LntuneException;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.TensorEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a checkpoint's tensors into a model's parameters, with strict accounting: every parameter
 * must find a tensor of its shape and a floating-point dtype, and every checkpoint key must be used
 * or explicitly ignored. All problems are reported together in one {@link
 * StateDictMismatchException}, before anything is loaded.
 *
 * <p>Tensors stored in the placement's dtype on the CPU become the parameters without a copy (views
 * of the memory-mapped file) unless the {@link LoadPolicy} says to copy; others are converted.
 * Every loaded tensor is then checked for NaN and infinite values, unless the policy switches that
 * off. A model built with {@link Placement#forLoading()} must be filled whole: a placeholder the
 * key map leaves out is refused before anything is loaded.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(dir)) {
 *   StateDictLoader.load(model, ckpt, KeyMap.identity().ignoring(".*rotary_emb\\.inv_freq"), placement);
 * }
 * }</pre>
 */
public final class StateDictLoader {
  private static final Logger log = LoggerFactory.getLogger(StateDictLoader.class);

  private StateDictLoader() {}

  /**
   * Loads {@code checkpoint} into {@code model}.
   *
   * @return the number of tensors loaded
   * @throws StateDictMismatchException listing every missing, unexpected, wrongly shaped or typed
   *     key
   * @throws LntuneException naming the tensors that hold NaN or infinite values (unless the policy
   *     skips the check)
   * @throws IllegalArgumentException if {@code placement} is the meta device
   * @throws IllegalStateException if a {@link Placement#forLoading()} placeholder would stay
   */
  public static int load(Module model, Checkpoint checkpoint, KeyMap keys, Placement placement) {
    if (placement.isMeta()) {
      throw new IllegalArgumentException(
          "cannot load weights onto the meta device: it holds shapes only");
    }
    LoadPolicy policy = LoadPolicy.current();
    Map<String, String> plan = plan(model, checkpoint, keys);
    Map<String, Tensor> params = Modules.namedParameters(model);
    List<String> placeholders =
        params.entrySet().stream()
            .filter(e -> !plan.containsKey(e.getKey()) && Placement.isPlaceholder(e.getValue()))
            .map(Map.Entry::getKey)
            .toList();
    if (!placeholders.isEmpty()) {
      throw new IllegalStateException(
          checkpoint.source()
              + ": the model was built for a load that fills it whole (Placement.forLoading), "
              + "but the key map loads nothing into "
              + String.join(", ", placeholders.subList(0, Math.min(5, placeholders.size())))
              + (placeholders.size() > 5 ? ", ..." : "")
              + "; build it with an allocating placement");
    }
    List<String> notFinite = new ArrayList<>();
    try (TensorScope scope = TensorScope.open();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Map.Entry<String, String> e : plan.entrySet()) {
        Tensor param = params.get(e.getKey());
        String key = e.getValue();
        Tensor stored = checkpoint.tensor(key, placement.dtype(), placement.device());
        Tensor value = policy.copy() ? stored.clone() : stored;
        Torch.call(
            () -> checkpoint.source() + ": loading '" + key + "'",
            () -> {
              param.set_data(value);
              return param;
            });
        if (policy.checkFinite() && !allFinite(value)) {
          notFinite.add(key);
        }
      }
    }
    if (!notFinite.isEmpty()) {
      throw new LntuneException(
          checkpoint.source()
              + ": "
              + notFinite.size()
              + " tensor(s) hold NaN or infinite "
              + "values, so every output would be NaN: "
              + String.join(", ", notFinite.subList(0, Math.min(5, notFinite.size())))
              + (notFinite.size() > 5 ? ", ..." : "")
              + " (a corrupt checkpoint? -D"
              + LoadPolicy.CHECK_FINITE
              + "=false or --no-weight-check skips this check)");
    }
    log.debug("loaded {} tensors from {}", plan.size(), checkpoint.source());
    return plan.size();
  }

  /**
   * {@return whether every value of {@code t} is finite} First its sum, one pass that allocates
   * nothing: a NaN or an infinity makes it non-finite. Only a non-finite sum, which finite values
   * large enough to overflow it also give, is confirmed value by value ({@code isfinite}, whose
   * temporaries made the check most of a checkpoint's load: 2.8 s for 1 GiB of bf16 weights that a
   * plain read takes 0.15 s over).
   */
  static boolean allFinite(Tensor t) {
    return Double.isFinite(t.sum().item_double()) || t.isfinite().all().item_bool();
  }

  /** Maps each parameter to its checkpoint key, or throws with every problem found. */
  static Map<String, String> plan(Module model, Checkpoint checkpoint, KeyMap keys) {
    Map<String, String> plan = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    List<String> wrongShape = new ArrayList<>();
    List<String> wrongDtype = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      String key = keys.toCheckpoint().apply(e.getKey());
      if (key == null) {
        continue;
      }
      if (!checkpoint.contains(key)) {
        missing.add(key);
        continue;
      }
      used.add(key);
      TensorEntry info = checkpoint.info(key);
      long[] expected = e.getValue().sizes().vec().get();
      if (!Arrays.equals(info.shape(), expected)) {
        wrongShape.add(
            key
                + ": checkpoint "
                + Arrays.toString(info.shape())
                + ", model "
                + Arrays.toString(expected));
      } else if (!info.dtype().isFloatingPoint()) {
        wrongDtype.add(
            key
                + ": checkpoint "
                + info.dtype()
                + ", model "
                + DType.of(e.getValue().scalar_type()));
      } else {
        plan.put(e.getKey(), key);
      }
    }
    List<String> unexpected =
        checkpoint.names().stream()
            .filter(k -> !used.contains(k) && !keys.ignored().test(k))
            .toList();
    if (!missing.isEmpty()
        || !unexpected.isEmpty()
        || !wrongShape.isEmpty()
        || !wrongDtype.isEmpty()) {
      throw new StateDictMismatchException(
          checkpoint.source().toString(), missing, unexpected, wrongShape, wrongDtype);
    }
    return plan;
  }
}
