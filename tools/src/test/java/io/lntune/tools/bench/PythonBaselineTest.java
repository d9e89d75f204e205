package io.lntune.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.torch.LntuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class PythonBaselineTest {
  @TempDir Path dir;

  /**
   * A stand-in for python3: {@code -c ...} exits with {@code importStatus}; a script run prints.
   */
  public static Path fakePython(Path dir, String name, int importStatus, String printed)
      throws Exception {
    Path fake = dir.resolve(name);
    Files.writeString(
        fake,
        "#!/bin/sh\n"
            + "if [ \"$1\" = \"-c\" ]; then exit "
            + importStatus
            + "; fi\n"
            + "echo \"$@\" >> \""
            + dir.resolve(name + ".calls")
            + "\"\n"
            + "echo 'some warning'\n"
            + "echo '"
            + printed
            + "'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    return fake;
  }

  @Test
  void runsTheShippedScriptAndReadsItsMedianAndPeakMemory() throws Exception {
    Path python =
        fakePython(
            dir,
            "python",
            0,
            "{\"strategy\": \"LORA\", \"median_ms\": 12.5, \"peak_rss_bytes\": 4096}");
    PythonBaseline baseline = PythonBaseline.find(python.toString()).orElseThrow();
    assertThat(baseline.measure(BenchSize.SMALL, "LORA", 3, 8, 2))
        .isEqualTo(new PythonBaseline.Measurement(12.5, 4096));
    String call = Files.readString(dir.resolve("python.calls")).strip();
    assertThat(call)
        .endsWith(
            "bench_step_eager.py --size small --strategy LORA --warmup 3 --steps 8 --threads 2");
    Path script = Path.of(call.split(" ")[0]);
    assertThat(Files.readString(script)).contains("def main():", "torch.optim.AdamW");
  }

  @Test
  void noTorchMeansNoBaselineAndABadRunNamesItsCommand() throws Exception {
    assertThat(PythonBaseline.find(fakePython(dir, "bare", 1, "").toString())).isEmpty();
    assertThat(PythonBaseline.find(dir.resolve("no-such-python").toString())).isEmpty();
    Path broken = fakePython(dir, "broken", 0, "Traceback: boom");
    PythonBaseline baseline = PythonBaseline.find(broken.toString()).orElseThrow();
    assertThatThrownBy(() -> baseline.measure(BenchSize.TINY, "FULL", 0, 1, 1))
        .isInstanceOf(LntuneException.class)
        .hasMessageContaining("--strategy FULL");
  }
}
