package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ParamsCommandTest {
  private String run(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.err()).isZero();
    return r.out();
  }

  @Test
  void llavaV1Llama2_7bPrintsThePapersCounts() {
    long start = System.nanoTime();
    String text = run("params", "--preset", "llava-v1-llama2-7b");
    assertThat((System.nanoTime() - start) / 1e9).as("seconds, on the meta device").isLessThan(5);
    assertThat(text).containsPattern("vision tower\\s+303,179,776")
        .containsPattern("projector \\(linear\\)\\s+4,198,400")
        .containsPattern("total\\s+7,045,793,792")
        .contains("256 image tokens of width 1024");
  }

  @Test
  void thirteenBillionTakesASecond() {
    long start = System.nanoTime();
    String text = run("params", "--preset", "llava-v1.5-vicuna-13b");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    assertThat(text).contains("576 image tokens").containsPattern("projector \\(mlp2x_gelu\\)\\s+31,467,520");
  }
}
