package io.lntune.models.llama;

import static org.bytedeco.pytorch.global.torch.silu;

import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** SwiGLU: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}. */
public final class LlamaMlp extends Module {
  final Linear gateProj;
  final Linear upProj;
  final Linear downProj;

  LlamaMlp(LlamaConfig c, Placement p) {
    super("LlamaMlp");
    gateProj =
        register_module("gate_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false, p));
    upProj = register_module("up_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false, p));
    downProj =
        register_module("down_proj", new Linear(c.intermediateSize(), c.hiddenSize(), false, p));
  }

  /** [B, T, D] → [B, T, D]. */
  public Tensor forward(Tensor x) {
    return downProj.forward(hidden(x));
  }

  /**
   * {@return the down projection's input, {@code silu(gate_proj(x)) * up_proj(x)}} [B, T, D] → [B,
   * T, I].
   */
  Tensor hidden(Tensor x) {
    return silu(gateProj.forward(x)).mul(upProj.forward(x));
  }
}
