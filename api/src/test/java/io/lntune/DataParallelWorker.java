package io.lntune;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Modules;
import io.lntune.training.data.ResizeNormalize;
import io.lntune.training.loop.TrainingListener;
import io.lntune.training.run.TuningResult;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.CRC32;
import org.bytedeco.pytorch.Tensor;

/**
 * One process of {@link DataParallelTest}: LAYERNORM on the tiny LLaVA, data-parallel when the
 * {@code torchrun} variables are set. Prints its losses and a checksum of the frozen tensors.
 *
 * <p>Arguments: the testdata folder, the training JSON, its image root, the output directory, the
 * batch size per rank, the steps, and optionally a step after whose checkpoint rank 0 halts as a
 * {@code kill -9} would end it.
 */
public final class DataParallelWorker {
  private DataParallelWorker() {}

  public static void main(String[] args) {
    System.setProperty("lntune.testdata", args[0]);
    LlavaModel model = LayerNormTunerTest.tinyLlava();
    TuningResult result = train(model, args);
    System.out.println("losses=" + result.losses());
    System.out.println("frozen=" + frozenChecksum(model));
  }

  /** Trains {@code model} as the arguments say. */
  static TuningResult train(LlavaModel model, String[] args) {
    LayerNormTuner.Builder builder = LayerNormTuner.builder();
    if (args.length > 6) {
      long haltAfter = Long.parseLong(args[6]);
      builder.listener(
          new TrainingListener() {
            @Override
            public void onCheckpoint(long step, Path written) {
              if (step == haltAfter) {
                Runtime.getRuntime().halt(137); // no shutdown hooks, no cleanup: as SIGKILL
              }
            }
          });
    }
    return builder
        .model(model)
        .tokenizer(LayerNormTunerTest.TOK)
        .trainData(Path.of(args[1]), Path.of(args[2]))
        .strategy(Strategy.LAYERNORM)
        .batchSize(Integer.parseInt(args[4]))
        .maxSteps(Long.parseLong(args[5]))
        .learningRate(2e-2)
        .imageTransform(ResizeNormalize.unit(16))
        .outputDir(Path.of(args[3]))
        .checkpointEvery(2)
        .distributedFromEnvironment(Duration.ofSeconds(60))
        .build()
        .fit();
  }

  /** {@return a CRC of the bits of every tensor LAYERNORM leaves frozen} */
  static long frozenChecksum(LlavaModel model) {
    Selection trained = Selection.of(Strategy.LAYERNORM);
    CRC32 crc = new CRC32();
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      if (trained.trains(e.getKey())) {
        continue;
      }
      FloatBuffer values = e.getValue().contiguous().createBuffer();
      for (int i = 0; i < values.limit(); i++) {
        int bits = Float.floatToRawIntBits(values.get(i));
        crc.update(
            new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)});
      }
    }
    return crc.getValue();
  }
}
