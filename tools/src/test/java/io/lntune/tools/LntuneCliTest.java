package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.ones;

import io.lntune.torch.TensorScope;
import io.lntune.torch.pytorch.TorchSaveWriter;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LntuneCliTest {
  @TempDir Path dir;

  @Test
  void helpListsTheCommands() {
    CliRun r1 = CliRun.of("--help");
    assertThat(r1.code()).isZero();
    assertThat(r1.out()).contains("Usage: lntune").contains("inspect").contains("features");
  }

  @Test
  void versionNamesLntuneAndLibtorch() {
    CliRun r2 = CliRun.of("--version");
    assertThat(r2.code()).isZero();
    assertThat(r2.out())
        .contains("lntune " + System.getProperty("lntune.projectVersion") + "\n")
        .contains("pytorch 2.10.0-1.5.13");
  }

  @Test
  void inspectPrintsEveryTensorAndTheTotals() {
    Path file = dir.resolve("model.safetensors");
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> t = new LinkedHashMap<>();
      t.put("model.norm.weight", ones(4096).to(ScalarType.BFloat16));
      t.put("model.embed_tokens.weight", arange(new Scalar(12L)).view(3, 4).to(ScalarType.Float));
      SafetensorsWriter.write(file, t, Map.of("format", "pt"));
    }
    CliRun r3 = CliRun.of("inspect", file.toString());
    assertThat(r3.code()).isZero();
    assertThat(r3.out())
        .containsPattern("model\\.embed_tokens\\.weight\\s+F32\\s+\\[3, 4\\]\\s+48\\n")
        .containsPattern("model\\.norm\\.weight\\s+BF16\\s+\\[4096\\]\\s+8,192\\n")
        .contains("2 tensors in 1 file, 4,108 parameters, 8,240 bytes (8.05 KiB)")
        .contains("metadata model.safetensors: format = pt");
  }

  @Test
  void inspectReportsABadFileInOneLine() throws IOException {
    Path file = dir.resolve("broken.safetensors");
    Files.write(file, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
    CliRun r4 = CliRun.of("inspect", file.toString());
    assertThat(r4.code()).isEqualTo(1);
    assertThat(r4.err().strip())
        .isEqualTo(
            "lntune: "
                + file
                + ": header length 9 runs past the end of the file "
                + "(10 bytes): file truncated?");
  }

  @Test
  void badSettingsAreUsageErrorsAndFailuresExitWithOneInOneLine() throws IOException {
    CliRun unknown = CliRun.of("params", "--preset", "llava-v9");
    assertThat(unknown.code()).isEqualTo(CliErrors.USAGE);
    assertThat(unknown.err().strip())
        .startsWith("lntune: unknown LLaVA preset 'llava-v9': expected one of")
        .doesNotContain("\n")
        .doesNotContain("Exception");

    Path missing = dir.resolve("absent.json");
    CliRun noConfig = CliRun.of("params", "--config", missing.toString());
    assertThat(noConfig.code()).isEqualTo(CliErrors.FAILURE);
    assertThat(noConfig.err()).startsWith("lntune: " + missing + ": cannot read the config");
    assertThat(CliRun.of("params", "--config").code()).isEqualTo(CliErrors.USAGE);

    Path config = dir.resolve("params.json");
    Files.writeString(config, "{\"preset\": \"tiny\"}");
    for (String[] args :
        new String[][] {
          {"params", "--config", config.toString()}, {"params", "--config=" + config}
        }) {
      CliRun run = CliRun.of(args);
      assertThat(run.code()).as(run.err()).isZero();
      assertThat(run.out()).as("the config's preset is used").contains("tiny");
    }
  }

  @Test
  void unexpectedErrorsSayHowToSeeTheStackTrace() {
    StringWriter quiet = new StringWriter();
    int code =
        CliErrors.report(new NullPointerException("x is null"), new PrintWriter(quiet), false);
    assertThat(code).isEqualTo(CliErrors.FAILURE);
    assertThat(quiet.toString().lines())
        .containsExactly(
            "lntune: NullPointerException: x is null",
            "lntune: this is a bug in lntune or an input it does not check; rerun with --verbose (or LNTUNE_VERBOSE=1) "
                + "for the stack trace");
    StringWriter verbose = new StringWriter();
    CliErrors.report(
        new IllegalStateException("bad state", new IOException("disk full")),
        new PrintWriter(verbose),
        true);
    assertThat(verbose.toString())
        .startsWith("lntune: bad state (disk full)\n")
        .contains("at io.lntune.tools.LntuneCliTest");
    assertThat(CliErrors.verboseFromEnvironment(Map.of("LNTUNE_VERBOSE", "1"))).isTrue();
    assertThat(CliErrors.verboseFromEnvironment(Map.of("LNTUNE_VERBOSE", "0"))).isFalse();
    assertThat(CliErrors.verboseFromEnvironment(Map.of())).isFalse();
    StringWriter denied = new StringWriter();
    CliErrors.report(
        new UncheckedIOException(new AccessDeniedException("/runs/ro/run.json")),
        new PrintWriter(denied),
        false);
    assertThat(denied.toString().strip()).isEqualTo("lntune: /runs/ro/run.json: permission denied");
  }

  @Test
  void inspectReadsPyTorchFiles() throws IOException {
    Path file = dir.resolve("mm_projector.bin");
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> t = new LinkedHashMap<>();
      t.put("model.mm_projector.0.weight", ones(8, 4).to(ScalarType.BFloat16));
      t.put("model.mm_projector.0.bias", ones(8).to(ScalarType.BFloat16));
      TorchSaveWriter.write(file, t);
    }
    CliRun ok = CliRun.of("inspect", file.toString());
    assertThat(ok.code()).isZero();
    assertThat(ok.out())
        .containsPattern("model\\.mm_projector\\.0\\.weight\\s+BF16\\s+\\[8, 4\\]\\s+64\\n")
        .contains("2 tensors in 1 file, 40 parameters, 80 bytes")
        .contains("metadata mm_projector.bin: version = 3");

    Path legacy = dir.resolve("legacy.bin");
    Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
    CliRun bad = CliRun.of("inspect", legacy.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err().strip())
        .startsWith("lntune: " + legacy + ": is in the legacy torch.save format");
  }
}
