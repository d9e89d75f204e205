package io.lntune.tools.bench;

import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llama.LlamaConfig;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.loop.Recomputation;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmark of one decoder layer of the {@code small} bench size (width 768, 512 tokens)
 * under LAYERNORM tuning: its forward alone, and forward plus backward (input gradients through the
 * frozen matrices, the norms' weight gradients), in each weight dtype, with and without
 * recomputation.
 *
 * <pre>{@code
 * mvn -q -pl tools -am package -DskipTests
 * OMP_WAIT_POLICY=PASSIVE java -cp "tools/target/classes:$(cat tools/target/classpath.txt)" \
 *     org.openjdk.jmh.Main DecoderLayerBenchmark -p dtype=BF16
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0")
public class DecoderLayerBenchmark {
  @Param({"BF16", "F32"})
  public String dtype;

  @Param({"false", "true"})
  public boolean recompute;

  private LlamaModel model;
  private Recomputation layers;
  private Tensor input;

  @Setup(Level.Trial)
  public void setUp() {
    LlamaConfig s = BenchSize.SMALL.config();
    LlamaConfig one =
        new LlamaConfig(
            s.hiddenSize(),
            s.intermediateSize(),
            1,
            s.numAttentionHeads(),
            s.numKeyValueHeads(),
            s.rmsNormEps(),
            s.ropeTheta(),
            s.ropeLinearFactor(),
            s.vocabSize(),
            s.maxPositionEmbeddings(),
            false,
            s.bosTokenId(),
            s.eosTokenIds(),
            s.padTokenId(),
            s.torchDtype());
    model = new LlamaModel(one, Placement.cpu(DType.parse(dtype)));
    Init.normal(model, 0.02, 1);
    Modules.namedParameters(model)
        .forEach((name, p) -> p.requires_grad_(name.contains("layernorm")));
    layers = new Recomputation(recompute);
    try (TensorScope scope = TensorScope.open()) {
      input = scope.keep(randn(1, 512, s.hiddenSize()).to(DType.parse(dtype).scalarType()));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    input.close();
    model.close();
  }

  /** The layer and the final norm, forward and backward. */
  @Benchmark
  public double forwardBackward() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor out = model.hiddenStates(input, layers);
      layers.backward(out.to(ScalarType.Float).sum());
      double value = out.select(1, 0).select(1, 0).item_double();
      Modules.namedParameters(model)
          .values()
          .forEach(
              p -> {
                if (p.grad().defined()) {
                  p.mutable_grad().reset();
                }
              });
      return value;
    }
  }

  /** The layer and the final norm, forward only, without a graph. */
  @Benchmark
  public double forward() {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      return model.hiddenStates(input).select(1, 0).select(1, 0).item_double();
    }
  }
}
