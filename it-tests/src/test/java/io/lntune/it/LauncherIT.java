package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code bin/lntune} as a user runs it, on the project's own build. */
class LauncherIT {
  private static final String FIXTURE =
      "native/src/test/resources/io/lntune/torch/safetensors/reference.safetensors";

  @Test
  void helpListsTheSubcommands() throws Exception {
    Processes.Result r = Processes.run(List.of("bin/lntune", "--help"), Map.of(), 600);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("Usage: lntune").contains("inspect");
  }

  @Test
  void inspectPrintsTheTensorsOfAFile() throws Exception {
    Processes.Result r = Processes.run(List.of("bin/lntune", "inspect", FIXTURE), Map.of(), 600);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .containsPattern("bf16\\s+BF16\\s+\\[3, 2\\]\\s+12")
        .contains("17 tensors in 1 file, 75 parameters, 248 bytes");
  }

  @Test
  void badInputFailsWithOneLineAndStatus1() throws Exception {
    Path missing = Processes.repositoryRoot().resolve("no-such.safetensors");
    Processes.Result r =
        Processes.run(List.of("bin/lntune", "inspect", missing.toString()), Map.of(), 600);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.output())
        .endsWith("lntune: " + missing + ": no such file or directory\n")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }
}
