package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {
  private static final String MODEL =
      Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model").toString();
  @TempDir Path dir;

  @Test
  void printsTheIdsOfAText() {
    CliRun r1 = CliRun.of("tokenize", "--tokenizer", MODEL, "--text", "Hello world");
    assertThat(r1.code()).isZero();
    assertThat(r1.out()).isEqualTo("[15043,3186]\n");
  }

  @Test
  void addsBosWhenAsked() {
    CliRun r2 =
        CliRun.of(
            "tokenize", "--tokenizer", MODEL, "--special-tokens", "--text", "Hello world</s>");
    assertThat(r2.code()).isZero();
    assertThat(r2.out()).isEqualTo("[1,15043,3186,2]\n");
  }

  @Test
  void encodesJsonlLineByLineAndDecodesBack() throws IOException {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"text\": \"Hello world\"}\n\n{\"text\": \" \\n\"}\n");
    CliRun r3 = CliRun.of("tokenize", "--tokenizer", MODEL, "--in", in.toString());
    assertThat(r3.code()).isZero();
    assertThat(r3.out()).isEqualTo("[15043,3186]\n[259,13]\n");
    Path ids = dir.resolve("ids.jsonl");
    Files.writeString(ids, r3.out());
    CliRun r4 = CliRun.of("tokenize", "--tokenizer", MODEL, "--decode", "--in", ids.toString());
    assertThat(r4.code()).isZero();
    assertThat(r4.out()).isEqualTo("{\"text\":\"Hello world\"}\n{\"text\":\" \\n\"}\n");
  }

  @Test
  void decodesAnArrayOfIds() {
    CliRun r5 =
        CliRun.of("tokenize", "--tokenizer", MODEL, "--decode", "--text", "[1, 15043, 3186, 2]");
    assertThat(r5.code()).isZero();
    assertThat(r5.out()).isEqualTo("Hello world\n");
  }

  @Test
  void badLinesAreReportedWithFileAndLine() throws IOException {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
    CliRun r6 = CliRun.of("tokenize", "--tokenizer", MODEL, "--in", in.toString());
    assertThat(r6.code()).isEqualTo(1);
    assertThat(r6.err().strip())
        .isEqualTo("lntune: " + in + ":2: expected an object with a \"text\" string");
  }

  @Test
  void idsOutsideTheVocabularyAreReported() {
    CliRun r7 = CliRun.of("tokenize", "--tokenizer", MODEL, "--decode", "--text", "[40000]");
    assertThat(r7.code()).isEqualTo(1);
    assertThat(r7.err().strip())
        .isEqualTo(
            "lntune: id 40000 is outside the vocabulary of 32000 tokens "
                + "(32000 pieces and 0 added tokens)");
  }

  @Test
  void textAndInAreExclusive() {
    CliRun r8 = CliRun.of("tokenize", "--tokenizer", MODEL);
    assertThat(r8.code()).isEqualTo(2);
    assertThat(r8.err()).contains("Error: Missing required argument");
  }
}
