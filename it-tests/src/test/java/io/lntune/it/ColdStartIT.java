package io.lntune.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM whose JavaCPP cache is empty starts cleanly. Where a system libtorch is installed (Debian's
 * {@code libtorch-dev}), loading libtorch straight from a cold cache crashes the JVM with SIGSEGV
 * (docs/LIBTORCH.md, "Cold-cache crash"); {@code Torch.init()} extracts the natives first.
 */
class ColdStartIT {
  @TempDir Path cache;

  @Test
  void coldCacheStartsWithoutCrashing() throws Exception {
    String fixture =
        Processes.repositoryRoot()
            .resolve("native/src/test/resources/io/lntune/torch/safetensors/reference.safetensors")
            .toString();
    try {
      Processes.Result r =
          Processes.run(
              List.of(
                  Processes.java(),
                  "-Dorg.bytedeco.javacpp.cacheDir=" + cache,
                  "-cp",
                  System.getProperty("java.class.path"),
                  "io.lntune.tools.LntuneCli",
                  "inspect",
                  fixture),
              Map.of(),
              300);
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.output()).contains("17 tensors in 1 file");
      assertThat(Files.list(cache).count())
          .as("natives were extracted into the fresh cache")
          .isPositive();
    } finally {
      deleteTree(cache); // 450 MB of natives
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
