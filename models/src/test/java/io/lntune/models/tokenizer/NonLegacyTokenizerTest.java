package io.lntune.models.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code legacy: false} against Hugging Face's slow LlamaTokenizer as
 * tools/scripts/hf_llama_tokenizer.py restates it over Google's SentencePiece (the "non_legacy" ids
 * of llama-goldens.json).
 */
class NonLegacyTokenizerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Tokenizer load(String config) throws IOException {
    Files.copy(SentencePieceBpeTest.LLAMA_MODEL, dir.resolve("tokenizer.model"));
    Files.writeString(dir.resolve("tokenizer_config.json"), config);
    return Tokenizer.load(dir);
  }

  @Test
  void encodesEveryGoldenStringAsTheNonLegacyTokenizer() throws IOException {
    Tokenizer tok = load("{\"legacy\": false}");
    assertThat(tok.isLegacy()).isFalse();
    List<String> wrong = new ArrayList<>();
    int differFromLegacy = 0;
    try (InputStream in = getClass().getResourceAsStream("llama-goldens.json")) {
      for (JsonNode c : JSON.readTree(in).get("cases")) {
        int[] expected = JSON.convertValue(c.get("non_legacy"), int[].class);
        int[] got = tok.encode(c.get("text").asText());
        if (!Arrays.equals(got, expected)) {
          wrong.add(
              c.get("text").asText()
                  + ": expected "
                  + Arrays.toString(expected)
                  + " got "
                  + Arrays.toString(got));
        }
        differFromLegacy +=
            Arrays.equals(
                    expected,
                    Tokenizer.load(SentencePieceBpeTest.LLAMA_MODEL).encode(c.get("text").asText()))
                ? 0
                : 1;
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(differFromLegacy).as("strings where the two modes differ").isGreaterThanOrEqualTo(8);
  }

  @Test
  void textAfterASpecialTokenGetsNoSpaceAndALeadingSpecialTokenNoPrefix() throws IOException {
    Tokenizer tok = load("{\"legacy\": false}");
    Tokenizer legacy = Tokenizer.load(SentencePieceBpeTest.LLAMA_MODEL);
    assertThat(tok.encode("Hello world")).containsExactly(legacy.encode("Hello world"));
    assertThat(tok.encode("</s>USER:")).containsExactly(2, 11889, 29901); // USER as one piece
    assertThat(legacy.encode("</s>USER:")).containsExactly(2, 3148, 1001, 29901); // ▁US ER
    assertThat(tok.encodeForModel("")).containsExactly(1);
    Tokenizer withIm = tok.withAddedTokens(List.of("<im_end>"), true);
    assertThat(withIm.encode("<im_end>\nQ"))
        .containsExactly(32000, 13, 29984); // no ▁ before, none after
  }

  @Test
  void legacyNullIsTheDefaultAndOddValuesAreRefused() throws IOException {
    assertThat(load("{\"legacy\": null}").isLegacy()).isTrue();
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"legacy\": \"no\"}");
    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            dir.resolve("tokenizer_config.json")
                + ": legacy must be true, false or null, got \"no\"");
    Files.writeString(
        dir.resolve("tokenizer_config.json"), "{\"legacy\": false, \"add_prefix_space\": false}");
    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("add_prefix_space false with legacy false is not supported");
  }
}
