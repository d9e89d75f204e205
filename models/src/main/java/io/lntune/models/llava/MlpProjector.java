package io.lntune.models.llava;

import io.lntune.models.nn.Activation;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * LLaVA's {@code mlpNx_gelu} connector: {@code Linear(vision, text)}, then N-1 times GELU and
 * {@code Linear(text, text)}, numbered as in LLaVA's {@code nn.Sequential} (linears at 0, 2, 4,
 * ...; the GELUs at the odd indexes hold no parameters). {@code mlp2x_gelu} is LLaVA-1.5's.
 *
 * <pre>{@code
 * Projector p = Projector.create(ProjectorType.parse("mlp2x_gelu"), 1024, 4096, placement);   // an MlpProjector
 * }</pre>
 */
public final class MlpProjector extends Module implements Projector {
  private final ProjectorType type;
  private final List<Linear> linears = new ArrayList<>();

  public MlpProjector(ProjectorType type, long visionWidth, long textWidth, Placement placement) {
    super("MlpProjector");
    if (!type.sequential()) {
      throw new IllegalArgumentException("MlpProjector builds mlpNx_gelu projectors, not " + type);
    }
    this.type = type;
    for (int i = 0; i < type.linears(); i++) {
      long in = i == 0 ? visionWidth : textWidth;
      linears.add(
          register_module(Integer.toString(2 * i), new Linear(in, textWidth, true, placement)));
    }
  }

  @Override
  public ProjectorType type() {
    return type;
  }

  @Override
  public Tensor forward(Tensor features) {
    Tensor x =
        linears
            .get(0)
            .forward(features.to(linears.get(0).weight().scalar_type().intern())); // [b, t, text]
    for (int i = 1; i < linears.size(); i++) {
      x = linears.get(i).forward(Activation.GELU.apply(x)); // [batch, tokens, textWidth]
    }
    return x;
  }

  @Override
  public Module module() {
    return this;
  }
}
