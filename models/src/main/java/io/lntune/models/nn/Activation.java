package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.gelu;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The element-wise activations of the models, under their Hugging Face {@code hidden_act} names.
 *
 * <pre>{@code
 * Activation act = Activation.fromHf("quick_gelu");   // OpenAI CLIP
 * Tensor y = act.apply(x);
 * }</pre>
 */
public enum Activation {
  /** {@code x * sigmoid(1.702 x)}: OpenAI CLIP's approximation of GELU. */
  QUICK_GELU("quick_gelu") {
    @Override
    public Tensor apply(Tensor x) {
      return x.mul(x.mul(new Scalar(1.702)).sigmoid());
    }
  },
  /**
   * The exact GELU, {@code x * Phi(x)} with the normal CDF (PyTorch's {@code nn.GELU()}, LLaVA's
   * projector).
   */
  GELU("gelu") {
    @Override
    public Tensor apply(Tensor x) {
      return gelu(x);
    }
  };

  private final String hfName;

  Activation(String hfName) {
    this.hfName = hfName;
  }

  /** {@return the activation of {@code x}, same shape and dtype} */
  public abstract Tensor apply(Tensor x);

  /** {@return the Hugging Face name, e.g. {@code quick_gelu}} */
  public String hfName() {
    return hfName;
  }

  /**
   * {@return the activation named {@code name} in a Hugging Face config (case-insensitive)}
   *
   * @throws IllegalArgumentException naming the text and the accepted names
   */
  public static Activation fromHf(String name) {
    String s = name.strip().toLowerCase(Locale.ROOT);
    for (Activation a : values()) {
      if (a.hfName.equals(s)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unsupported activation '"
            + name
            + "': expected one of "
            + Arrays.stream(values()).map(Activation::hfName).collect(Collectors.joining(", ")));
  }
}
