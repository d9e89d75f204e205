package io.lntune.tools.bench;

import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.torch.LntuneException;
import io.lntune.torch.Torch;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** The bench's random-weight models and the FLOP count of a training step on them. */
final class BenchModels {
  private BenchModels() {}

  /**
   * {@return a random-weight decoder of {@code size} in {@code dtype}, on CUDA for the sizes that
   * need it}
   *
   * @throws LntuneException if the size needs CUDA and none is available
   */
  static LlamaModel build(BenchSize size, DType dtype, long seed) {
    LlamaModel model = new LlamaModel(size.config(), placement(size, dtype));
    Init.normal(model, 0.02, seed);
    return model;
  }

  /**
   * {@return where the bench's models of {@code size} live: on CUDA for the sizes that need it}
   *
   * @throws LntuneException if the size needs CUDA and none is available
   */
  static Placement placement(BenchSize size, DType dtype) {
    if (!size.needsCuda) {
      return new Placement(Device.cpu(), dtype);
    }
    if (!Torch.cudaAvailable()) {
      throw new LntuneException(
          "bench size "
              + size.name().toLowerCase()
              + " (a 7B model) runs on CUDA only and "
              + "no CUDA device is available (a CPU build of libtorch, or no GPU): pick tiny, small or medium");
    }
    return new Placement(Device.cuda(0), dtype);
  }

  /**
   * {@return the useful FLOPs of one training step over {@code tokens} tokens}: every matrix
   * product runs forward (2NT) and backward to its input (2NT), and trainable matrices also to
   * their weights (2N'T), where N counts the elements of the 2-D weights the tokens pass through
   * (every linear layer, LoRA's included, and the head; the embedding is a lookup). Attention's own
   * products and recomputation are not counted.
   */
  static double stepFlops(LlamaModel model, long tokens) {
    long matrices = 0;
    long trainableMatrices = 0;
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      Tensor p = e.getValue();
      boolean lookupOnly = e.getKey().endsWith("embed_tokens.weight") && model.lmHead() != null;
      if (p.dim() != 2 || lookupOnly) {
        continue;
      }
      matrices += p.numel();
      if (p.requires_grad()) {
        trainableMatrices += p.numel();
      }
    }
    return 2.0 * tokens * (2.0 * matrices + trainableMatrices);
  }
}
