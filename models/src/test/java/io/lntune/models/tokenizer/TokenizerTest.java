package io.lntune.models.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  private static final Tokenizer LLAMA = Tokenizer.load(SentencePieceBpeTest.LLAMA_MODEL);
  @TempDir Path dir;

  private static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
  }

  private Path modelDir(String config, String specialMap, String addedTokens) throws IOException {
    Files.copy(SentencePieceBpeTest.LLAMA_MODEL, dir.resolve("tokenizer.model"));
    if (config != null) {
      Files.writeString(dir.resolve("tokenizer_config.json"), config);
    }
    if (specialMap != null) {
      Files.writeString(dir.resolve("special_tokens_map.json"), specialMap);
    }
    if (addedTokens != null) {
      Files.writeString(dir.resolve("added_tokens.json"), addedTokens);
    }
    return dir;
  }

  @Test
  void bareModelAddsBosAndTurnsSpecialTokenTextIntoIds() {
    assertThat(LLAMA.encodeForModel("Hello world</s>")).containsExactly(1, 15043, 3186, 2);
    assertThat(LLAMA.encode("Hello world")).containsExactly(15043, 3186);
    assertThat(LLAMA.specialTokens()).isEqualTo(new SpecialTokens(1, 2, 0, -1, true, false));
    assertThat(LLAMA.vocabSize()).isEqualTo(32000);
    assertThat(LLAMA.addedTokens()).isEmpty();
  }

  @Test
  void textAroundSpecialTokensIsEncodedPieceByPieceWithItsOwnDummyPrefix() {
    SentencePieceBpe sp = LLAMA.sentencePiece();
    String text = "A cat.</s>USER: hi<s> <unk>x";
    assertThat(LLAMA.encode(text))
        .containsExactly(
            concat(
                sp.encode("A cat."),
                new int[] {2},
                sp.encode("USER: hi"),
                new int[] {1},
                sp.encode(" "),
                new int[] {0},
                sp.encode("x")));
    assertThat(LLAMA.decode(LLAMA.encode("A cat. USER: hi"))).isEqualTo("A cat. USER: hi");
  }

  @Test
  void padTokensFollowLlava() {
    Tokenizer v1 = LLAMA.withPadToken("<unk>");
    assertThat(v1.specialTokens().pad()).isZero();
    assertThat(v1.vocabSize()).isEqualTo(32000);
    Tokenizer v0 = LLAMA.withPadToken("[PAD]");
    assertThat(v0.specialTokens().pad()).isEqualTo(32000);
    assertThat(v0.vocabSize()).isEqualTo(32001);
    assertThat(v0.addedTokens())
        .containsExactly(new AddedToken("[PAD]", 32000, true, false, false));
    assertThat(v0.encode("a[PAD]")).containsExactly(concat(LLAMA.encode("a"), new int[] {32000}));
  }

  @Test
  void addedTokensGetTheNextIdsAndDecodeToTheirText() {
    Tokenizer t =
        LLAMA.withAddedTokens(List.of("<im_start>", "<im_end>", "<s>", "<im_start>"), true);
    assertThat(t.addedTokens())
        .extracting(AddedToken::content, AddedToken::id)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("<im_start>", 32000),
            org.assertj.core.groups.Tuple.tuple("<im_end>", 32001));
    assertThat(t.vocabSize()).isEqualTo(32002);
    String text = "<im_start>red square<im_end> and more";
    int[] ids = t.encode(text);
    assertThat(ids)
        .containsExactly(
            concat(
                new int[] {32000},
                LLAMA.encode("red square"),
                new int[] {32001},
                LLAMA.encode(" and more")));
    assertThat(t.decode(ids)).isEqualTo(text);
    assertThat(t.tokenId("<im_end>")).isEqualTo(OptionalInt.of(32001));
    assertThatThrownBy(() -> t.decode(new int[] {32002}))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            "id 32002 is outside the vocabulary of 32002 tokens (32000 pieces and 2 added tokens)");
  }

  @Test
  void directoryReadsConfigSpecialMapAndAddedTokens() throws IOException {
    Path d =
        modelDir(
            """
        {"add_bos_token": true, "add_eos_token": true, "model_max_length": 2048,
         "added_tokens_decoder": {"2": {"content": "</s>", "special": true},
                                  "32001": {"content": "<image>", "special": true, "lstrip": true, "rstrip": true}}}
        """,
            """
        {"pad_token": {"content": "[PAD]"}, "additional_special_tokens": ["<im_end>"]}
        """,
            """
        {"[PAD]": 32000, "<image>": 32001}
        """);
    Tokenizer t = Tokenizer.load(d);
    assertThat(t.specialTokens()).isEqualTo(new SpecialTokens(1, 2, 0, 32000, true, true));
    assertThat(t.modelMaxLength()).hasValue(2048);
    assertThat(t.addedTokens())
        .extracting(AddedToken::content)
        .containsExactly("[PAD]", "<image>", "<im_end>");
    assertThat(t.vocabSize()).isEqualTo(32003);
    // <image> strips the spaces on both sides, as Hugging Face's lstrip/rstrip do.
    assertThat(t.encodeForModel("a  <image>  b"))
        .containsExactly(
            concat(
                new int[] {1},
                LLAMA.encode("a"),
                new int[] {32001},
                LLAMA.encode("b"),
                new int[] {2}));
  }

  @Test
  void gapsInAddedIdsAreRefused() throws IOException {
    Path d = modelDir(null, null, "{\"<image>\": 32005}");
    assertThatThrownBy(() -> Tokenizer.load(d))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            "added token '<image>' has id 32005: added tokens must take the ids right after the 32000 pieces "
                + "of tokenizer.model, without gaps or repeats (expected 32000)");
  }

  @Test
  void anAddedTokenThatContradictsTheModelIsRefused() throws IOException {
    Path d =
        modelDir("{\"added_tokens_decoder\": {\"5\": {\"content\": \"<image>\"}}}", null, null);
    assertThatThrownBy(() -> Tokenizer.load(d))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            "tokenizer_config.json: added_tokens_decoder.5: token '<image>' has id 5, which is piece "
                + "'<0x02>' in tokenizer.model");
  }

  @Test
  void malformedJsonNamesTheFile() throws IOException {
    Path d = modelDir("{not json", null, null);
    assertThatThrownBy(() -> Tokenizer.load(d))
        .isInstanceOf(TokenizerException.class)
        .hasMessageStartingWith(d.resolve("tokenizer_config.json") + ": not valid JSON");
  }

  @Test
  void aModelCutAfterItsPiecesNamesTheFileAndTheTruncation() throws IOException {
    byte[] whole = Files.readAllBytes(SentencePieceBpeTest.LLAMA_MODEL);
    int at = 0; // walk the top-level fields to where trainer_spec (field 2) begins
    while ((whole[at] & 0xff) >>> 3 == 1) {
      at++; // the tag of a length-delimited field 1: one byte
      long length = 0;
      for (int shift = 0; ; shift += 7) {
        byte b = whole[at++];
        length |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          break;
        }
      }
      at += (int) length;
    }
    Path cut = dir.resolve("tokenizer.model");
    Files.write(cut, Arrays.copyOf(whole, at));
    assertThatThrownBy(() -> Tokenizer.load(cut))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            cut
                + ": no trainer_spec after its 32000 pieces: the file is truncated (or not a SentencePiece "
                + "model)");
  }

  @Test
  void directoryWithoutModelIsRefused() {
    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            dir
                + ": no tokenizer.model (lntune reads SentencePiece models; a tokenizer.json alone is not "
                + "enough)");
  }

  @Test
  void contradictoryIdsAcrossFilesAreRefused() throws IOException {
    Path d =
        modelDir(
            "{\"added_tokens_decoder\": {\"32000\": {\"content\": \"<image>\"}}}",
            null,
            "{\"<image>\": 32001}");
    assertThatThrownBy(() -> Tokenizer.load(d))
        .isInstanceOf(TokenizerException.class)
        .hasMessage(
            "added_tokens.json: <image>: id 32001 contradicts id 32000 given to the same token before "
                + "(tokenizer.model or tokenizer_config.json)");
  }
}
