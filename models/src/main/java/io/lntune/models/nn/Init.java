package io.lntune.models.nn;

import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import java.util.Map;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Random initialisation for models built from scratch (tests, the demo): matrices and embeddings
 * from N(0, std), 1-D weights (norm gains) one, biases zero, as Hugging Face initialises LLaMA and
 * CLIP.
 *
 * <pre>{@code
 * var model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
 * Init.normal(model, 0.02, 1234);
 * }</pre>
 */
public final class Init {
  private Init() {}

  /** Fills every parameter of {@code module}, reproducibly for a given {@code seed}. */
  public static void normal(Module module, double std, long seed) {
    Torch.seed(seed);
    try (TensorScope scope = TensorScope.open();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : Modules.namedParameters(module).entrySet()) {
        Tensor p = e.getValue();
        if (p.dim() >= 2) {
          p.normal_(0.0, std, new GeneratorOptional());
        } else if (e.getKey().endsWith("bias")) {
          p.zero_();
        } else {
          p.fill_(new Scalar(1.0));
        }
      }
    }
  }
}
