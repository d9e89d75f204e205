package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.ones;

import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsWriter;
import java.io.IOException;
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
    assertThat(r2.out()).contains("lntune " + System.getProperty("lntune.projectVersion") + "\n")
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
    assertThat(r4.err().strip()).isEqualTo("lntune: " + file + ": header length 9 runs past the end of the file "
        + "(10 bytes): file truncated?");
  }
}
