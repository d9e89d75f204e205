package io.lntune.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {
  private static final String MODEL = Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model").toString();
  @TempDir Path dir;
  private String out = "";
  private String err = "";

  private int run(String... args) {
    CliRun r = CliRun.of(args);
    out = r.out();
    err = r.err();
    return r.code();
  }

  @Test
  void printsTheIdsOfAText() {
    assertThat(run("tokenize", "--tokenizer", MODEL, "--text", "Hello world")).isZero();
    assertThat(out).isEqualTo("[15043,3186]\n");
  }

  @Test
  void addsBosWhenAsked() {
    assertThat(run("tokenize", "--tokenizer", MODEL, "--special-tokens", "--text", "Hello world</s>")).isZero();
    assertThat(out).isEqualTo("[1,15043,3186,2]\n");
  }

  @Test
  void encodesJsonlLineByLineAndDecodesBack() throws IOException {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"text\": \"Hello world\"}\n\n{\"text\": \" \\n\"}\n");
    assertThat(run("tokenize", "--tokenizer", MODEL, "--in", in.toString())).isZero();
    assertThat(out).isEqualTo("[15043,3186]\n[259,13]\n");
    Path ids = dir.resolve("ids.jsonl");
    Files.writeString(ids, out);
    assertThat(run("tokenize", "--tokenizer", MODEL, "--decode", "--in", ids.toString())).isZero();
    assertThat(out).isEqualTo("{\"text\":\"Hello world\"}\n{\"text\":\" \\n\"}\n");
  }

  @Test
  void decodesAnArrayOfIds() {
    assertThat(run("tokenize", "--tokenizer", MODEL, "--decode", "--text", "[1, 15043, 3186, 2]")).isZero();
    assertThat(out).isEqualTo("Hello world\n");
  }

  @Test
  void badLinesAreReportedWithFileAndLine() throws IOException {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
    assertThat(run("tokenize", "--tokenizer", MODEL, "--in", in.toString())).isEqualTo(1);
    assertThat(err.strip()).isEqualTo("lntune: " + in + ":2: expected an object with a \"text\" string");
  }

  @Test
  void idsOutsideTheVocabularyAreReported() {
    assertThat(run("tokenize", "--tokenizer", MODEL, "--decode", "--text", "[40000]")).isEqualTo(1);
    assertThat(err.strip()).isEqualTo("lntune: id 40000 is outside the vocabulary of 32000 tokens "
        + "(32000 pieces and 0 added tokens)");
  }

  @Test
  void textAndInAreExclusive() {
    assertThat(run("tokenize", "--tokenizer", MODEL)).isEqualTo(2);
    assertThat(err).contains("Error: Missing required argument");
  }
}
