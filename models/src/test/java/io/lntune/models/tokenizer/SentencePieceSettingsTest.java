package io.lntune.models.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * A tiny model with the settings LLaMA's lacks (extra whitespace removed, user-defined symbols, no
 * byte fallback), against SentencePiece's own ids and decodings
 * (tools/scripts/make_tiny_spm_fixture.py).
 */
class SentencePieceSettingsTest {
  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SentencePieceSettingsTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void matchesSentencePieceOnATinyModelWithOtherSettings() throws IOException {
    SentencePieceModel model =
        SentencePieceModel.parse(resource("tiny-bpe.model"), "tiny-bpe.model");
    assertThat(model.normalizer().removeExtraWhitespaces()).isTrue();
    assertThat(model.byteFallback()).isFalse();
    assertThat(model.pieces()).contains(new Piece("<image>", 0f, PieceType.USER_DEFINED));
    SentencePieceBpe sp = SentencePieceBpe.of(model);
    JsonNode root = new ObjectMapper().readTree(resource("tiny-goldens.json"));
    assertThat(root.get("cases")).hasSizeGreaterThan(10);
    for (JsonNode c : root.get("cases")) {
      int[] expected = new ObjectMapper().convertValue(c.get("ids"), int[].class);
      String text = c.get("text").asText();
      assertThat(sp.encode(text)).as("ids of '%s'", text).containsExactly(expected);
      assertThat(sp.decode(expected))
          .as("decoding of '%s'", text)
          .isEqualTo(c.get("decoded").asText());
    }
  }

  @Test
  void truncatedFileFailsNamingTheFile() throws IOException {
    byte[] model = resource("tiny-bpe.model");
    byte[] cut = java.util.Arrays.copyOf(model, model.length / 2);
    assertThatThrownBy(() -> SentencePieceModel.parse(cut, "cut.model"))
        .isInstanceOf(TokenizerException.class)
        .hasMessageStartingWith("cut.model")
        .hasMessageContaining("malformed protobuf");
  }

  @Test
  void notAModelFailsClearly() {
    assertThatThrownBy(() -> SentencePieceModel.parse(new byte[0], "empty.model"))
        .isInstanceOf(TokenizerException.class)
        .hasMessage("empty.model: no pieces: not a SentencePiece model");
  }

  @Test
  void unigramModelsAreRefused() throws IOException {
    SentencePieceModel bpe = SentencePieceModel.parse(resource("tiny-bpe.model"), "tiny-bpe.model");
    SentencePieceModel unigram =
        new SentencePieceModel(bpe.pieces(), "UNIGRAM", false, false, " ", bpe.normalizer());
    assertThatThrownBy(() -> SentencePieceBpe.of(unigram))
        .isInstanceOf(TokenizerException.class)
        .hasMessageStartingWith("trainer_spec.model_type UNIGRAM is not supported");
  }
}
