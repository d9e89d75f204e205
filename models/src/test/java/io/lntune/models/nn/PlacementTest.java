package io.lntune.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class PlacementTest {
  @Test
  void aPlacementForLoadingMakesPlaceholdersOfTheRightShapeOverOneElement() {
    Placement loading = Placement.cpu(DType.BF16).forLoading();
    try (TensorScope scope = TensorScope.open()) {
      Tensor placeholder = loading.empty(8192, 768);
      assertThat(placeholder.sizes().vec().get()).containsExactly(8192, 768);
      assertThat(placeholder.is_cpu()).isTrue();
      assertThat(DType.of(placeholder.scalar_type())).isEqualTo(DType.BF16);
      assertThat(placeholder.storage().nbytes()).isEqualTo(2);
      assertThat(Placement.isPlaceholder(placeholder)).isTrue();

      Tensor weight = loading.allocating().empty(8192, 768);
      assertThat(weight.storage().nbytes()).isEqualTo(8192L * 768 * 2);
      assertThat(Placement.isPlaceholder(weight)).isFalse();
      assertThat(Placement.isPlaceholder(loading.empty(1))).isFalse(); // one element is real
    }
    assertThat(loading.allocating()).isEqualTo(Placement.cpu(DType.BF16));
  }
}
