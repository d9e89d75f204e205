package io.lntune.models.nn;

import static org.bytedeco.pytorch.global.torch.embedding;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A lookup table {@code weight} [vocab, dim]: ids [...] → vectors [..., dim]. Starts frozen and
 * uninitialised.
 */
public class Embedding extends Module {
  private final Tensor weight;

  public Embedding(long vocab, long dim, Placement placement) {
    super("Embedding");
    this.weight = Params.frozen(this, "weight", placement.empty(vocab, dim));
  }

  public Tensor weight() {
    return weight;
  }

  public Tensor forward(Tensor ids) {
    return embedding(weight, ids);
  }
}
