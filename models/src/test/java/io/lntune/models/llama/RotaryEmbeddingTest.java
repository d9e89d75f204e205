package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The roll with signed sines gives Hugging Face's rotate-half, {@code x * cos + cat(-x2, x1) *
 * sin}, bit for bit: the rotated values and the gradient of the input, in bf16 as in fp64.
 */
class RotaryEmbeddingTest {
  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"BF16", "F64"})
  void rollWithSignedSinesIsRotateHalfExactly(DType dtype) {
    try (TensorScope scope = TensorScope.open()) {
      Torch.seed(3);
      LlamaConfig config = LlamaConfigs.tiny();
      RotaryEmbedding rope = new RotaryEmbedding(config, Placement.cpu(dtype));
      long t = 9;
      long hd = config.headDim();
      Tensor positions =
          arange(new Scalar(5L), new Scalar(5L + t), new TensorOptions(ScalarType.Long))
              .unsqueeze(0); // [1, T], as after 5 cached tokens
      RotaryEmbedding.Angles angles = rope.angles(positions, dtype.scalarType());
      // [1, T, H, hd] seen as [1, H, T, hd]: the strided layout the projections give
      Tensor base = randn(1, t, 3, hd).to(dtype.scalarType());
      Tensor grad = randn(1, 3, t, hd).to(dtype.scalarType());

      Tensor x = base.detach().requires_grad_(true);
      Tensor rotated = angles.apply(x.transpose(1, 2));
      rotated.mul(grad).sum().backward();

      Tensor reference = base.detach().requires_grad_(true);
      Tensor expected = rotateHalf(reference.transpose(1, 2), positions, config, dtype);
      expected.mul(grad).sum().backward();

      assertThat(rotated.equal(expected)).as("rotated values").isTrue();
      assertThat(x.grad().equal(reference.grad())).as("input gradient").isTrue();
    }
  }

  /** Hugging Face's formula, its angles computed here as {@code LlamaRotaryEmbedding} does. */
  private static Tensor rotateHalf(Tensor x, Tensor positions, LlamaConfig config, DType dtype) {
    long hd = config.headDim();
    long half = hd / 2;
    Tensor inverse =
        arange(new Scalar(0L), new Scalar(hd), new Scalar(2L), new TensorOptions(ScalarType.Float))
            .div(new Scalar((double) hd))
            .mul(new Scalar(-Math.log(config.ropeTheta())))
            .exp(); // theta^(-2i/d)
    Tensor freqs =
        positions
            .to(ScalarType.Float)
            .div(new Scalar(config.ropeLinearFactor()))
            .unsqueeze(-1)
            .mul(inverse); // [1, T, hd/2]
    Tensor emb = cat(new TensorVector(freqs, freqs), -1).unsqueeze(1); // [1, 1, T, hd]
    Tensor cos = emb.cos().to(dtype.scalarType());
    Tensor sin = emb.sin().to(dtype.scalarType());
    Tensor turned =
        cat(new TensorVector(x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)), -1);
    return x.mul(cos).add(turned.mul(sin));
  }
}
