package io.lntune.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.pytorch.global.torch.ones;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class DTypeTest {
  @Test
  void mapsScalarTypesComingBackFromNativeCalls() {
    Torch.init();
    try (TensorScope scope = TensorScope.open()) {
      for (DType d : DType.values()) {
        ScalarType fromNative = ones(2).to(d.scalarType()).scalar_type();
        assertThat(fromNative == d.scalarType())
            .as("native enums are not the Java constants")
            .isFalse();
        assertThat(DType.of(fromNative)).isEqualTo(d);
        assertThat(ones(1).to(d.scalarType()).element_size()).as(d.name()).isEqualTo(d.byteSize());
      }
    }
  }

  @Test
  void parsesUserNames() {
    assertThat(DType.parse("bf16")).isEqualTo(DType.BF16);
    assertThat(DType.parse("bfloat16")).isEqualTo(DType.BF16);
    assertThat(DType.parse("F32")).isEqualTo(DType.F32);
    assertThat(DType.parse("half")).isEqualTo(DType.F16);
    assertThat(DType.fromSafetensors("I64")).contains(DType.I64);
    assertThat(DType.fromSafetensors("i64")).isEmpty();
    assertThatThrownBy(() -> DType.parse("fp4")).hasMessageContaining("unknown dtype 'fp4'");
  }

  @Test
  void refusesUnsupportedTypes() {
    assertThatThrownBy(() -> DType.of(ScalarType.ComplexFloat))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported tensor dtype");
  }
}
