package io.lntune.models.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real LLaMA tokenizer against ids that Google's SentencePiece produced
 * (tools/scripts/make_tokenizer_goldens.py).
 */
class SentencePieceBpeTest {
  static final Path LLAMA_MODEL =
      Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model");
  private static SentencePieceBpe sp;

  @BeforeAll
  static void load() {
    sp = SentencePieceBpe.of(SentencePieceModel.read(LLAMA_MODEL));
  }

  record Case(String text, int[] ids) {}

  static List<Case> goldens() throws IOException {
    try (InputStream in = SentencePieceBpeTest.class.getResourceAsStream("llama-goldens.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Case> cases = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        int[] ids = new int[c.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = c.get("ids").get(i).asInt();
        }
        cases.add(new Case(c.get("text").asText(), ids));
      }
      return cases;
    }
  }

  @Test
  void encodesEveryGoldenStringExactlyAsSentencePiece() throws IOException {
    List<Case> cases = goldens();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(200);
    List<String> wrong = new ArrayList<>();
    for (Case c : cases) {
      int[] got = sp.encode(c.text());
      if (!java.util.Arrays.equals(got, c.ids())) {
        wrong.add(
            c.text()
                + ": expected "
                + java.util.Arrays.toString(c.ids())
                + " got "
                + java.util.Arrays.toString(got));
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void decodeInvertsEncodeOnEveryGoldenString() throws IOException {
    for (Case c : goldens()) {
      // U+2581 in the input is SentencePiece's own space marker: it decodes as a space, in Python
      // too.
      String expected = c.text().replace('\u2581', ' ');
      assertThat(sp.decode(c.ids())).as("decode of %s", c.text()).isEqualTo(expected);
    }
  }

  @Test
  void readsLlamaSettingsFromTheModel() {
    SentencePieceModel m = sp.model();
    assertThat(m.pieces()).hasSize(32000);
    assertThat(m.modelType()).isEqualTo("BPE");
    assertThat(m.byteFallback()).isTrue();
    assertThat(m.normalizer()).isEqualTo(new NormalizerSpec("identity", 0, true, false, true));
    assertThat(m.pieces().get(0)).isEqualTo(new Piece("<unk>", 0f, PieceType.UNKNOWN));
    assertThat(m.pieces().get(1).type()).isEqualTo(PieceType.CONTROL);
    assertThat(m.pieces().get(13)).isEqualTo(new Piece("<0x0A>", 0f, PieceType.BYTE));
    assertThat(sp.pieceToId("▁Hello")).isEqualTo(15043);
    assertThat(sp.pieceToId("no such piece")).isEqualTo(sp.unkId());
  }

  @Test
  void decodeDropsControlPiecesAndTheDummySpaceAfterThem() {
    assertThat(sp.decode(new int[] {1, 15043, 3186, 2})).isEqualTo("Hello world");
    assertThat(sp.decode(new int[] {0})).isEqualTo(" \u2047 ");
    assertThat(sp.decode(new int[] {0xF0 + 3, 0x9F + 3}))
        .isEqualTo("\uFFFD\uFFFD"); // a cut UTF-8 sequence
  }

  @Test
  void rejectsIdsOutsideTheVocabulary() {
    assertThatThrownBy(() -> sp.decode(new int[] {32000}))
        .isInstanceOf(TokenizerException.class)
        .hasMessage("id 32000 is outside the vocabulary of 32000 pieces");
  }

  @Test
  void loneSurrogatesEncodeAsTheReplacementCharacter() {
    assertThat(sp.encode("a\uD800b")).isEqualTo(sp.encode("a\uFFFDb"));
  }
}
