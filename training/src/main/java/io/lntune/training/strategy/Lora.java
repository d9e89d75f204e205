package io.lntune.training.strategy;

import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.PackedDropout;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Attaches LoRA adapters to linear layers and merges them back. Adapters are registered inside the
 * layer they adapt, as {@code lora_A} and {@code lora_B}, so their parameters are named as PEFT
 * saves them ({@code model.layers.0.self_attn.q_proj.lora_A.weight}). They take the dtype of the
 * layer they adapt; training keeps their fp32 masters, as for every trainable parameter.
 *
 * <pre>{@code
 * Map<String, Linear> adapted = Lora.attach(model.blockLinears(), LoraConfig.defaults(), 1234);
 * ... train ...
 * Lora.merge(adapted);                     // W += alpha/r * B A; the adapters are removed
 * }</pre>
 */
public final class Lora {
  private Lora() {}

  /**
   * Adds an adapter to every layer of {@code linears} whose name ends with one of the config's
   * targets.
   *
   * @return the adapted layers by name
   * @throws IllegalStateException if a layer already has an adapter
   */
  public static Map<String, Linear> attach(
      Map<String, Linear> linears, LoraConfig config, long seed) {
    Map<String, Linear> adapted = new LinkedHashMap<>();
    Torch.seed(seed);
    for (Map.Entry<String, Linear> e : linears.entrySet()) {
      String last = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
      if (config.targets().contains(last)) {
        attach(e.getKey(), e.getValue(), config);
        adapted.put(e.getKey(), e.getValue());
      }
    }
    return adapted;
  }

  /**
   * {@return whether adapters are attached to {@code linears}} {@link #attach} adapts every
   * targeted layer at once, so one adapted layer means a model already prepared for LoRA (by an
   * earlier run on the same model object).
   */
  public static boolean attached(Map<String, Linear> linears) {
    return linears.values().stream().anyMatch(Linear::hasAdapter);
  }

  private static void attach(String name, Linear target, LoraConfig config) {
    if (target.hasAdapter()) {
      throw new IllegalStateException(name + " already has an adapter");
    }
    long out = target.weight().size(0);
    long in = target.weight().size(1);
    // At the layer's own dtype: the branch then runs as fast as the layer (bf16 products, no casts
    // of the input), and the trainer's fp32 masters keep the updates exact.
    Placement placement =
        new Placement(
            Device.parse(target.weight().device().str().getString()),
            DType.of(target.weight().scalar_type()));
    Linear a = target.register_module("lora_A", new Linear(in, config.r(), false, placement));
    Linear b = target.register_module("lora_B", new Linear(config.r(), out, false, placement));
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      // PEFT: A ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)); B = 0.
      double bound = 1.0 / Math.sqrt(in);
      a.weight().uniform_(-bound, bound, new GeneratorOptional());
      b.weight().zero_();
    }
    PackedDropout dropout = new PackedDropout(config.dropout());
    // Scaling the rank-r product rather than B's output costs r values per token, not out; the
    // dropout's 1 / keep rides along.
    Scalar scale = TensorScope.unscoped(new Scalar(config.scale()));
    Scalar trainingScale =
        TensorScope.unscoped(new Scalar(config.scale() / dropout.keepProbability()));
    target.setAdapter(
        x -> {
          boolean training = target.is_training();
          Tensor h = training ? dropout.dropUnscaled(x) : x;
          return b.forward(a.forward(h).mul(training ? trainingScale : scale));
        });
  }

  /**
   * {@return {@code W + alpha/r * B A} in fp32: the weight {@code w} [out, in] with the adapter
   * {@code a} [r, in], {@code b} [out, r] folded in} The inputs are left as they are.
   */
  public static Tensor folded(Tensor w, Tensor a, Tensor b, LoraConfig config) {
    Tensor delta =
        b.to(ScalarType.Float)
            .matmul(a.to(ScalarType.Float))
            .mul(new Scalar(config.scale())); // [out, in]
    return w.to(ScalarType.Float).add(delta);
  }

  /**
   * Folds each adapter into its base weight ({@code W += alpha/r * B A}, computed in fp32) and
   * removes it. Afterwards the layers compute what the adapted ones did, without the adapter cost.
   */
  public static void merge(Map<String, Linear> adapted, LoraConfig config) {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      for (Linear target : adapted.values()) {
        Module holder = target;
        Tensor a = Modules.namedParameters(holder).get("lora_A.weight");
        Tensor b = Modules.namedParameters(holder).get("lora_B.weight");
        Tensor w = target.weight();
        w.copy_(folded(w, a, b, config));
        target.removeAdapter();
        target.unregister_module("lora_A");
        target.unregister_module("lora_B");
      }
    }
  }
}
