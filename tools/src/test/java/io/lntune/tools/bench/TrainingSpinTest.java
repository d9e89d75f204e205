package io.lntune.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingSpinTest {
  @Test
  void setsTheLaunchersSpinUnlessTheEnvironmentHasOne() {
    Map<String, String> bare = new HashMap<>(Map.of("OMP_WAIT_POLICY", "PASSIVE"));
    TrainingSpin.apply(bare);
    assertThat(bare)
        .containsEntry("GOMP_SPINCOUNT", "300000")
        .containsEntry("OMP_WAIT_POLICY", "PASSIVE");

    Map<String, String> set = new HashMap<>(Map.of("GOMP_SPINCOUNT", "0"));
    TrainingSpin.apply(set);
    assertThat(set).containsEntry("GOMP_SPINCOUNT", "0");
  }

  /** The launcher sets the same spin for `lntune train` as the bench gives its training steps. */
  @Test
  void theLauncherSpinsAsMuchForTheCommandsThatTrain() throws Exception {
    String env = Files.readString(Path.of("..", "bin", "lntune-env.sh")); // from tools/
    assertThat(env).contains("LNTUNE_TRAINING_SPINCOUNT=" + TrainingSpin.COUNT);
  }
}
