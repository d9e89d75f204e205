package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {
  @TempDir Path dir;

  @Test
  void writesPicturesAndLlavaJson() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("synth", "--out", dir.toString(), "--images", "10", "--seed", "3"))
        .isZero();
    assertThat(out.toString()).startsWith("10 pictures (9 for training, 1 held out) in ");
    try (var files = Files.list(dir.resolve("images"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(10);
    }
    assertThat(Files.readString(dir.resolve("stage2-eval.json")))
        .contains("\"id\":\"synth-000009\"");
  }

  @Test
  void benchDataReportsThroughput() {
    StringWriter out = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    String model =
        Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model").toString();
    assertThat(
            cli.execute(
                "bench-data",
                "--tokenizer",
                model,
                "--images",
                "16",
                "--batch-size",
                "4",
                "--image-size",
                "32"))
        .isZero();
    assertThat(out.toString())
        .containsPattern("measured: 4 batches of 4 in [0-9.]+ s: [0-9.]+ batches/s")
        .containsPattern("training: 4 LAYERNORM steps of a tiny LLaVA")
        .containsPattern("the pipeline is [0-9.]+x as fast as the tiny-model training loop");
  }
}
