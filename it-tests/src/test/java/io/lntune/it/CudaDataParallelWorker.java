package io.lntune.it;

import static org.bytedeco.pytorch.global.torch.globalContext;

import io.lntune.LayerNormTuner;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.training.distributed.TorchrunEnvironment;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One process of {@link CudaDataParallelIT}: LAYERNORM on the tiny LLaVA in fp32 on CUDA, on its
 * rank's GPU ({@code cuda:LOCAL_RANK}) and data-parallel through NCCL when the {@code torchrun}
 * variables are set, else alone on {@code cuda:0}. Prints its losses.
 *
 * <p>Arguments: the model directory, the training JSON, its image root, the output directory, the
 * batch size per rank and the steps.
 */
public final class CudaDataParallelWorker {
  private CudaDataParallelWorker() {}

  public static void main(String[] args) {
    // cuDNN's TF32 convolutions (the vision tower's patch embedding) keep 10 mantissa bits, and
    // cuDNN may choose another algorithm for another batch size: off, so that one batch of 2b and
    // two of b agree to fp32 precision.
    globalContext().setAllowTF32CuDNN(false);
    Device device =
        TorchrunEnvironment.from(System.getenv())
            .map(e -> e.placeOn(Device.cuda()))
            .orElse(Device.cuda(0));
    Path modelDir = Path.of(args[0]);
    try (LlavaModel model = LlavaModel.load(modelDir, new Placement(device, DType.F32))) {
      TuningResult result =
          LayerNormTuner.builder()
              .model(model)
              .tokenizer(Tokenizer.load(modelDir))
              .trainData(Path.of(args[1]), Path.of(args[2]))
              .strategy(Strategy.LAYERNORM)
              .batchSize(Integer.parseInt(args[4]))
              .maxSteps(Long.parseLong(args[5]))
              .learningRate(2e-2)
              .outputDir(Path.of(args[3]))
              .distributedFromEnvironment(Duration.ofMinutes(2))
              .build()
              .fit();
      System.out.println("losses=" + result.losses());
    }
  }
}
