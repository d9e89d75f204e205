package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.torch.TensorScope;
import io.lntune.torch.safetensors.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogitsCommandTest {
  @TempDir Path dir;

  /** The LLaMA goldens of the models module, reached through the repository. */
  static Path golden(String name) {
    return Path.of("")
        .toAbsolutePath()
        .getParent()
        .resolve("models/src/test/resources/io/lntune/models/llama")
        .resolve(name);
  }

  @Test
  void writesLogitsAndHiddenStatesThatMatchTheReference() {
    Path model = golden("gqa-tied");
    Path out = dir.resolve("logits.safetensors");
    StringWriter text = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setOut(new PrintWriter(text, true));
    String ids;
    try (SafetensorsFile expected = SafetensorsFile.open(model.resolve("expected.safetensors"));
        TensorScope scope = TensorScope.open()) {
      long[] values = new long[(int) expected.tensor("input_ids").numel()];
      new org.bytedeco.javacpp.LongPointer(expected.tensor("input_ids").data_ptr()).get(values);
      ids =
          java.util.Arrays.stream(values)
              .mapToObj(Long::toString)
              .reduce((a, b) -> a + "," + b)
              .orElseThrow();
    }
    int code =
        cli.execute("logits", "--model", model.toString(), "--ids", ids, "--out", out.toString());
    assertThat(code).isZero();
    assertThat(text.toString())
        .contains("wrote logits [1, 9, 80] and last_hidden_state [1, 9, 32]");
    try (SafetensorsFile written = SafetensorsFile.open(out);
        SafetensorsFile expected = SafetensorsFile.open(model.resolve("expected.safetensors"));
        TensorScope scope = TensorScope.open()) {
      assertThat(written.info("logits").shape()).containsExactly(1, 9, 80);
      assertThat(written.tensor("logits").sub(expected.tensor("logits")).abs().max().item_double())
          .isLessThan(1e-4);
      assertThat(
              written
                  .tensor("last_hidden_state")
                  .sub(expected.tensor("last_hidden_state"))
                  .abs()
                  .max()
                  .item_double())
          .isLessThan(1e-4);
    }
  }

  @Test
  void idsOutsideTheVocabularyAreRefused() {
    StringWriter err = new StringWriter();
    CommandLine cli = LntuneCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    int code =
        cli.execute(
            "logits",
            "--model",
            golden("gqa-tied").toString(),
            "--ids",
            "1,80",
            "--out",
            dir.resolve("x.safetensors").toString());
    assertThat(code).as("a bad option value is a usage error").isEqualTo(CliErrors.USAGE);
    assertThat(err.toString()).contains("--ids: token id 80 is outside the vocabulary [0, 80)");
  }
}
