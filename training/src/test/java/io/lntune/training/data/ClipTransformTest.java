package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.image.RgbImage;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.torch.TensorScope;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ClipTransformTest {
  @Test
  void givesTheProcessorsPixelValues() {
    byte[] rgb = new byte[37 * 23 * 3];
    new Random(4).nextBytes(rgb);
    RgbImage image = RgbImage.of(37, 23, rgb);
    ClipImageProcessor processor = ClipImageProcessor.forImageSize(16).withPadToSquare(true);
    ClipTransform transform = new ClipTransform(processor);
    assertThat(transform.shape()).containsExactly(3, 16, 16);
    float[] values = transform.apply(image);
    try (TensorScope scope = TensorScope.open()) {
      Tensor expected = processor.pixelValues(List.of(processor.prepare(image)));
      float[] want = new float[3 * 16 * 16];
      new FloatPointer(expected.data_ptr()).get(want);
      assertThat(values).containsExactly(want);
    }
    assertThat(ClipTransform.forModel(LlavaConfigs.byName("llava-v1.5-vicuna-7b")).shape())
        .containsExactly(3, 336, 336);
  }
}
