package io.lntune.models.llava;

import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Placement;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * LLaVA v1's connector, one linear layer with a bias ({@code weight}, {@code bias}).
 *
 * <pre>{@code
 * Projector p = Projector.create(ProjectorType.linear(), 1024, 4096, placement);   // a LinearProjector
 * }</pre>
 */
public final class LinearProjector extends Linear implements Projector {
  public LinearProjector(long visionWidth, long textWidth, Placement placement) {
    super(visionWidth, textWidth, true, placement);
  }

  @Override
  public ProjectorType type() {
    return ProjectorType.linear();
  }

  @Override
  public Tensor forward(Tensor features) {
    return super.forward(
        features.to(weight().scalar_type().intern())); // [batch, tokens, textWidth]
  }

  @Override
  public Module module() {
    return this;
  }
}
