package io.lntune.models.llava;

import io.lntune.models.load.KeyMap;
import io.lntune.models.load.StateDictLoader;
import io.lntune.models.nn.Placement;
import io.lntune.torch.checkpoint.Checkpoint;
import io.lntune.torch.checkpoint.CheckpointException;
import java.nio.file.Path;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The vision-language connector: image features [batch, tokens, visionWidth] to the language
 * model's width [batch, tokens, textWidth]. Its parameters are named relative to LLaVA's {@code
 * model.mm_projector} module ({@code weight} for {@code linear}, {@code 0.weight}, {@code
 * 2.weight}, ... for {@code mlpNx_gelu}); register {@link #module()} there, and map checkpoints
 * with {@link ProjectorKeys}.
 *
 * <pre>{@code
 * Projector p = Projector.create(ProjectorType.parse("mlp2x_gelu"), 1024, 4096, Placement.cpu(DType.F32));
 * Tensor tokens = p.forward(features);                 // [batch, 576, 4096]
 * Projector trained = Projector.load(Path.of("mm_projector.safetensors"), ProjectorType.parse("mlp2x_gelu"),
 *     1024, Placement.cpu(DType.F32));
 * }</pre>
 */
public sealed interface Projector permits LinearProjector, MlpProjector {

  ProjectorType type();

  /**
   * {@return the projected features [batch, tokens, textWidth] of {@code features} [batch, tokens,
   * visionWidth]}, computed in the projector's dtype (the input is converted to it)
   */
  Tensor forward(Tensor features);

  /** {@return this projector as a module, to register under {@code mm_projector}} */
  Module module();

  /** {@return a projector of {@code type} with uninitialised, frozen weights} */
  static Projector create(
      ProjectorType type, long visionWidth, long textWidth, Placement placement) {
    return type.sequential()
        ? new MlpProjector(type, visionWidth, textWidth, placement)
        : new LinearProjector(visionWidth, textWidth, placement);
  }

  /**
   * Loads a projector from a checkpoint file or directory (safetensors or PyTorch) holding one
   * under LLaVA's names ({@code model.mm_projector.*}, as LLaVA's stage-1 {@code mm_projector}
   * output or a full LLaVA checkpoint) or llava-hf's ({@code multi_modal_projector.linear_1/2});
   * other keys are ignored. The text width is read from the checkpoint.
   *
   * @throws CheckpointException if the file holds no projector or the first layer of {@code type}
   * @throws io.lntune.models.load.StateDictMismatchException if the layers do not fit {@code type}
   *     and {@code visionWidth}
   */
  static Projector load(Path path, ProjectorType type, long visionWidth, Placement placement) {
    try (Checkpoint checkpoint = Checkpoint.open(path)) {
      KeyMap keys = ProjectorKeys.detect(checkpoint);
      String first = keys.toCheckpoint().apply(type.sequential() ? "0.weight" : "weight");
      if (!checkpoint.contains(first)) {
        throw new CheckpointException(
            path, "holds no '" + first + "', the first layer of a " + type + " projector");
      }
      Projector projector = create(type, visionWidth, checkpoint.info(first).shape()[0], placement);
      StateDictLoader.load(projector.module(), checkpoint, keys, placement);
      return projector;
    }
  }
}
