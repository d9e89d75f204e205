package io.lntune.torch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void picksTheLargestUnit() {
    assertThat(ByteSize.format(0)).isEqualTo("0 B");
    assertThat(ByteSize.format(1023)).isEqualTo("1023 B");
    assertThat(ByteSize.format(8192)).isEqualTo("8.00 KiB");
    assertThat(ByteSize.format(13_476_839_424L)).isEqualTo("12.6 GiB");
    assertThat(ByteSize.format(-2048)).isEqualTo("-2.00 KiB");
  }
}
