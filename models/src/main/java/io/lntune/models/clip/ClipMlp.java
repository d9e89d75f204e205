package io.lntune.models.clip;

import io.lntune.models.nn.Activation;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The feed-forward part of an encoder layer: {@code fc2(act(fc1(x)))}, as Hugging Face's {@code
 * CLIPMLP}, with the config's {@code hidden_act}.
 *
 * <pre>{@code
 * var mlp = new ClipMlp(ClipConfigs.tiny(), Placement.cpu(DType.F32));
 * Tensor y = mlp.forward(x);   // [batch, tokens, 32] -> [batch, tokens, 32] via 64
 * }</pre>
 */
public final class ClipMlp extends Module {
  private final Linear fc1;
  private final Linear fc2;
  private final Activation act;

  public ClipMlp(ClipVisionConfig config, Placement placement) {
    super("ClipMlp");
    this.fc1 =
        register_module(
            "fc1", new Linear(config.hiddenSize(), config.intermediateSize(), true, placement));
    this.fc2 =
        register_module(
            "fc2", new Linear(config.intermediateSize(), config.hiddenSize(), true, placement));
    this.act = config.hiddenAct();
  }

  /** {@return the MLP of {@code x} [batch, tokens, width], same shape} */
  public Tensor forward(Tensor x) {
    Tensor h = act.apply(fc1.forward(x)); // [batch, tokens, intermediate]
    return fc2.forward(h); // [batch, tokens, width]
  }
}
