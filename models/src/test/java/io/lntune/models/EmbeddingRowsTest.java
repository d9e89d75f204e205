package io.lntune.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.torch.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class EmbeddingRowsTest {
  @Test
  void newRowsAreTheMeanOfTheOldOnes() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor w = Tensor.create(new float[] {1, 2, 3, 6, 5, 10}, 3, 2).requires_grad_(true);
      Tensor g = EmbeddingRows.grow(w, 5);
      assertThat(g.sizes().vec().get()).containsExactly(5, 2);
      assertThat(g.requires_grad()).isFalse();
      float[] v = new float[10];
      ((java.nio.FloatBuffer) g.contiguous().createBuffer()).get(v);
      assertThat(v).containsExactly(1, 2, 3, 6, 5, 10, 3, 6, 3, 6);
      assertThat(EmbeddingRows.grow(w.to(ScalarType.BFloat16), 4).scalar_type().intern())
          .isEqualTo(ScalarType.BFloat16);
    }
  }

  @Test
  void refusesToShrink() {
    try (TensorScope scope = TensorScope.open()) {
      Tensor w = Tensor.create(new float[] {1, 2, 3, 4}, 2, 2);
      assertThatThrownBy(() -> EmbeddingRows.grow(w, 1)).hasMessage("cannot grow [2, 2] to 1 rows");
    }
  }
}
