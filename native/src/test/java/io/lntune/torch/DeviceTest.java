package io.lntune.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceTest {
  @Test
  void parsesEveryForm() {
    assertThat(Device.parse("cpu")).isEqualTo(Device.cpu());
    assertThat(Device.parse(" CUDA ")).isEqualTo(Device.cuda());
    assertThat(Device.parse("cuda:3")).isEqualTo(Device.cuda(3));
    assertThat(Device.parse("meta")).isEqualTo(Device.meta());
    assertThat(Device.cuda(3)).hasToString("cuda:3");
    assertThat(Device.cuda()).hasToString("cuda");
  }

  @Test
  void refusesWhatIsNotADevice() {
    for (String bad : new String[] {"gpu", "cuda:", "cuda:-1", "cuda:x", "cpu:0", ""}) {
      assertThatThrownBy(() -> Device.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("expected cpu, cuda, cuda:N");
    }
    assertThatThrownBy(() -> new Device(Device.Kind.CPU, 0))
        .hasMessageContaining("cpu takes no device index");
  }

  @Test
  void mapsToLibtorchDevices() {
    assertThat(Device.cpu().toTorch().is_cpu()).isTrue();
    assertThat(Device.meta().toTorch().is_meta()).isTrue();
    assertThat(Device.cuda(1).toTorch().index()).isEqualTo((byte) 1);
  }

  @Test
  void aCudaDeviceThisMachineLacksIsNamedWithWhatThereIs() {
    assertThat(Device.cpu().requireAvailable()).isEqualTo(Device.cpu());
    assertThat(Device.meta().requireAvailable()).isEqualTo(Device.meta());
    int count = Torch.cudaAvailable() ? Torch.cudaDeviceCount() : 0;
    Device seventh = Device.parse("cuda:7");
    if (count > 7) {
      assertThat(seventh.requireAvailable()).isEqualTo(seventh);
    } else if (count == 0) {
      assertThatThrownBy(seventh::requireAvailable)
          .isInstanceOf(LntuneException.class)
          .hasMessageStartingWith("device cuda:7: no CUDA device is available")
          .hasMessageEndingWith("use --device cpu");
    } else {
      assertThatThrownBy(seventh::requireAvailable)
          .isInstanceOf(LntuneException.class)
          .hasMessageStartingWith(
              "device cuda:7 does not exist: this machine has " + count + " CUDA device");
    }
  }
}
