package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad row, under both policies. */
class BadRowsTest {
  private static final ConversationTemplate V1 = ConversationTemplate.forName("vicuna_v1");
  private static final Tokenizer TOK = TemplateGoldenTest.LLAMA.withPadToken(V1.padToken());
  @TempDir Path dir;
  private Path file;

  private static String sample(String id, String image, String human, String gpt) {
    return "{\"id\":\""
        + id
        + "\","
        + (image == null ? "" : "\"image\":\"" + image + "\",")
        + "\"conversations\":[{\"from\":\"human\",\"value\":\""
        + human
        + "\"},{\"from\":\"gpt\",\"value\":\""
        + gpt
        + "\"}]}";
  }

  @BeforeEach
  void data() throws IOException {
    Path root = dir.resolve("root");
    new SyntheticWorld(2, 1, 24, 0).generate(root);
    Files.write(root.resolve("images/broken.png"), new byte[] {1, 2, 3, 4});
    Files.writeString(dir.resolve("secret.png"), "outside");
    Files.createSymbolicLink(root.resolve("images/link.png"), dir.resolve("secret.png"));
    file = dir.resolve("data.json");
    Files.writeString(
        file,
        "["
            + String.join(
                ",",
                sample("good-1", "images/synth-000000.png", "<image>\\nHow many?", "two"),
                "{\"id\":\"no-turns\",\"conversations\":\"oops\"}",
                sample("missing", "images/nope.png", "<image>\\nHow many?", "two"),
                sample("unreadable", "images/broken.png", "<image>\\nHow many?", "two"),
                sample("escape", "../secret.png", "<image>\\nHow many?", "two"),
                sample("link", "images/link.png", "<image>\\nHow many?", "two"),
                "{\"id\":\"speaker\",\"conversations\":[{\"from\":\"bot\",\"value\":\"hi\"},{\"from\":\"gpt\",\"value\":\"x\"}]}",
                sample("empty-reply", null, "Hello?", " "),
                sample("no-placeholder", "images/synth-000001.png", "How many?", "two"),
                sample("mismatch", null, "Say ASSISTANT: now", "ok"),
                "{\"id\":\"empty\",\"conversations\":[]}",
                sample("stray-placeholder", null, "<image>\\nHow many?", "two"),
                sample("good-2", null, "Hello?", "Hi."))
            + "]");
  }

  private DataLoader loader(LlavaDataset data, BadRowPolicy policy, DataStats stats) {
    return DataLoader.builder()
        .dataset(data)
        .tokenizer(TOK)
        .template(V1)
        .imageRoot(ImageRoot.of(dir.resolve("root")))
        .imageTransform(ResizeNormalize.unit(8))
        .imageTokens(4)
        .batchSize(4)
        .badRows(policy)
        .stats(stats)
        .ordering(DataLoaderBuilder.Ordering.SEQUENTIAL)
        .build();
  }

  @Test
  void skipLeavesBadRowsOutAndCountsEachKind() {
    DataStats stats = new DataStats();
    List<String> delivered = new ArrayList<>();
    try (LlavaDataset data = LlavaDataset.open(file, SampleFilter.all(), BadRowPolicy.SKIP, stats);
        DataLoader loader = loader(data, BadRowPolicy.SKIP, stats)) {
      while (loader.hasNext()) {
        try (Batch b = loader.next()) {
          delivered.addAll(b.sampleIds());
        }
      }
    }
    assertThat(delivered).containsExactly("good-1", "good-2");
    assertThat(stats.samples()).isEqualTo(2);
    assertThat(stats.badRows())
        .isEqualTo(
            Map.of(
                BadRow.MALFORMED_ENTRY,
                3L,
                BadRow.MISSING_IMAGE,
                1L,
                BadRow.UNREADABLE_IMAGE,
                1L,
                BadRow.IMAGE_OUTSIDE_ROOT,
                2L,
                BadRow.MALFORMED_CONVERSATION,
                2L,
                BadRow.EMPTY_REPLY,
                1L,
                BadRow.TOKENIZATION_MISMATCH,
                1L));
  }

  @Test
  void failStopsAtTheFirstBadRowNamingIt() {
    DataStats stats = new DataStats();
    SampleException e =
        catchThrowableOfType(
            SampleException.class,
            () -> LlavaDataset.open(file, SampleFilter.all(), BadRowPolicy.FAIL, stats));
    assertThat(e.sampleId()).isEqualTo("no-turns");
    assertThat(e)
        .hasMessage("sample no-turns: malformed entry: 'conversations' must be a list of turns");
  }

  @Test
  void entriesWithNothingToTrainOnOrAStrayPlaceholderAreMalformed() throws IOException {
    ObjectMapper json = new ObjectMapper();
    assertThatThrownBy(
            () -> LlavaJson.sample(json.readTree("{\"id\":\"e\",\"conversations\":[]}"), 0))
        .isInstanceOf(SampleException.class)
        .hasMessage(
            "sample e: malformed entry: 'conversations' is empty: there is nothing to train on");
    assertThatThrownBy(
            () -> LlavaJson.sample(json.readTree(sample("s", null, "<image>\\nHi", "x")), 0))
        .hasMessage(
            "sample s: malformed entry: has an <image> placeholder in its turns but no 'image' field");
  }

  @Test
  void failReportsEachPipelineProblemWithTheSampleId() {
    Map<String, String> expected =
        Map.of(
            "missing",
                "sample missing: missing image: "
                    + dir.resolve("root/images/nope.png")
                    + " does not exist",
            "unreadable",
                "sample unreadable: unreadable image: "
                    + dir.resolve("root/images/broken.png")
                    + ": is not an image javax.imageio can decode (JPEG, PNG, GIF, BMP)",
            "escape",
                "sample escape: image path outside the image root: '../secret.png' leaves "
                    + dir.resolve("root"),
            "link",
                "sample link: image path outside the image root: 'images/link.png' leaves "
                    + dir.resolve("root"),
            "speaker",
                "sample speaker: malformed conversation: turn 0 is from 'bot', expected human or gpt",
            "empty-reply", "sample empty-reply: empty reply: turn 1 (gpt) is empty",
            "no-placeholder",
                "sample no-placeholder: malformed conversation: has an image but 0 <image> placeholders "
                    + "in its turns (one is needed)");
    for (Map.Entry<String, String> want : expected.entrySet()) {
      DataStats stats = new DataStats();
      try (LlavaDataset data =
              LlavaDataset.open(
                  file, SampleFilter.idMatches(want.getKey()), BadRowPolicy.SKIP, stats);
          DataLoader loader = loader(data, BadRowPolicy.FAIL, stats)) {
        SampleException e = catchThrowableOfType(SampleException.class, loader::hasNext);
        assertThat(e).as(want.getKey()).hasMessage(want.getValue());
        // The three malformed entries are counted while the file is indexed, whatever the filter;
        // then this sample.
        assertThat(stats.badRows()).containsEntry(BadRow.MALFORMED_ENTRY, 3L);
        assertThat(stats.badTotal()).isEqualTo(4);
      }
    }
  }
}
