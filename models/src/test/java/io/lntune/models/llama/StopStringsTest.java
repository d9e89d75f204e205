package io.lntune.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lntune.models.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
  private static final Tokenizer TOK =
      Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"));

  private static long[] ids(String text) {
    return Arrays.stream(TOK.encode(text)).asLongStream().toArray();
  }

  @Test
  void textIsCutBeforeTheFirstStopString() {
    StopStrings stop = new StopStrings(TOK, List.of("###", "\n"));
    assertThat(stop.text(ids("Yes, it is red.### Human: more"))).isEqualTo("Yes, it is red.");
    assertThat(stop.text(ids("two\nthree###"))).isEqualTo("two");
    assertThat(stop.isDone(0, ids("Yes ##"))).isFalse();
    assertThat(stop.isDone(0, ids("Yes ###"))).isTrue();
    assertThat(stop.text(ids("no stop here"))).isEqualTo("no stop here");
  }

  @Test
  void aContinuationKeepsItsLeadingSpaceWhenDecodedWithItsPrompt() {
    long[] prompt = Arrays.stream(TOK.encodeForModel("Hello world")).asLongStream().toArray();
    long[] continuation =
        ids("lumen. More"); // "▁l", "umen", ...: the first piece starts with the space
    StopStrings stop = new StopStrings(TOK, List.of("."));
    assertThat(stop.text(continuation)).isEqualTo("lumen");
    assertThat(stop.textAfter(prompt, continuation)).isEqualTo("Hello world lumen");
    assertThat(new StopStrings(TOK, List.of("world")).textAfter(prompt, continuation))
        .as("a stop string inside the prompt does not cut it")
        .isEqualTo("Hello world lumen. More");
  }

  @Test
  void idsBeyondTheTokenizerDecodeToNothing() {
    long[] withPad = Arrays.copyOf(ids("red"), ids("red").length + 1);
    withPad[withPad.length - 1] = TOK.vocabSize(); // a row the model added, such as LLaVA's [PAD]
    assertThat(new StopStrings(TOK, List.of()).text(withPad)).isEqualTo("red");
    assertThatThrownBy(() -> new StopStrings(TOK, List.of("")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
