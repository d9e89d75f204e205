package io.lntune.models.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SentencePieceModelWriterTest {
  private final Tokenizer tok =
      Tokenizer.of(
          SentencePieceBpe.of(
              SentencePieceModel.parse(
                  SentencePieceModelWriter.forCorpus(
                      List.of("the red square is at the top left.", "How many circles? two")),
                  "world.model")));

  @Test
  void everyWordOfTheCorpusIsOneToken() {
    assertThat(tok.encode("the red square")).hasSize(3);
    assertThat(tok.encode("How many circles?")).hasSize(4);
    assertThat(tok.decode(tok.encode("How many circles? two"))).isEqualTo("How many circles? two");
  }

  @Test
  void otherTextFallsBackToCharactersAndBytes() {
    String text = "the blue Ж shape\t😀";
    assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
    assertThat(tok.encodeForModel("the")[0]).isEqualTo(1); // BOS
    assertThat(tok.vocabSize()).isLessThan(400);
  }
}
