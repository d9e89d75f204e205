package io.lntune.training.synth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticWorldTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern THING = Pattern.compile("a (\\w+) (\\w+) at the (center|\\w+ \\w+)");
  @TempDir Path dir;

  @Test
  void sameSeedSameFilesAndHeldOutSplit() throws IOException {
    SyntheticWorld.Summary a = new SyntheticWorld(20, 3, 48, 0.2).generate(dir.resolve("a"));
    SyntheticWorld.Summary b = new SyntheticWorld(20, 3, 48, 0.2).generate(dir.resolve("b"));
    SyntheticWorld.Summary c = new SyntheticWorld(20, 4, 48, 0.2).generate(dir.resolve("c"));
    assertThat(Files.readString(a.stage2Train())).isEqualTo(Files.readString(b.stage2Train()));
    assertThat(Files.readAllBytes(a.imageRoot().resolve("images/synth-000007.png")))
        .isEqualTo(Files.readAllBytes(b.imageRoot().resolve("images/synth-000007.png")));
    assertThat(Files.readString(a.stage2Train())).isNotEqualTo(Files.readString(c.stage2Train()));
    assertThat(JSON.readTree(a.stage1().toFile())).hasSize(16);
    assertThat(JSON.readTree(a.stage2Train().toFile())).hasSize(16);
    assertThat(JSON.readTree(a.stage2Eval().toFile())).hasSize(4);
    assertThat(a.evalImages()).isEqualTo(4);
  }

  @Test
  void captionsDescribeWhatIsDrawn() throws IOException {
    SyntheticWorld.Summary s = new SyntheticWorld(30, 11, 60, 0).generate(dir);
    int checked = 0;
    for (JsonNode sample : JSON.readTree(s.stage1().toFile())) {
      BufferedImage img =
          ImageIO.read(s.imageRoot().resolve(sample.get("image").asText()).toFile());
      Matcher m = THING.matcher(sample.get("conversations").get(1).get("value").asText());
      while (m.find()) {
        Scene.Colour colour = Scene.Colour.valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT));
        int cell = cellOf(m.group(3));
        // Every shape covers its cell's centre pixel, so the caption's colour must be there.
        int rgb = img.getRGB(cell % 3 * 20 + 10, cell / 3 * 20 + 10) & 0xffffff;
        assertThat(rgb)
            .as("%s in %s", m.group(), sample.get("id"))
            .isEqualTo(colour.rgb.getRGB() & 0xffffff);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(30);
  }

  @Test
  void conversationsPutTheImageFirstAndAnswerFromThePicture() throws IOException {
    SyntheticWorld.Summary s = SyntheticWorld.of(10).generate(dir);
    for (JsonNode sample : JSON.readTree(s.stage2Train().toFile())) {
      JsonNode conv = sample.get("conversations");
      assertThat(conv.get(0).get("value").asText()).startsWith("<image>\n");
      assertThat(conv.size()).isBetween(4, 6);
      for (int i = 0; i < conv.size(); i++) {
        assertThat(conv.get(i).get("from").asText()).isEqualTo(i % 2 == 0 ? "human" : "gpt");
        assertThat(conv.get(i).get("value").asText()).isNotBlank();
      }
    }
  }

  /**
   * LLaVA-Instruct's three kinds per training picture, typed, and drawn from the picture the
   * caption describes.
   */
  @Test
  void instructSamplesHaveTheThreeKindsWithTheirTypes() throws IOException {
    SyntheticWorld.Summary s = new SyntheticWorld(40, 13, 24, 0.25).generate(dir);
    JsonNode instruct = JSON.readTree(s.stage2Instruct().toFile());
    assertThat(instruct).hasSize(3 * 30);
    java.util.Map<String, String> captions = new java.util.HashMap<>();
    JSON.readTree(s.stage1().toFile())
        .forEach(
            c ->
                captions.put(
                    c.get("image").asText(), c.get("conversations").get(1).get("value").asText()));
    java.util.Set<String> reasoning = new java.util.HashSet<>();
    for (int i = 0; i < instruct.size(); i++) {
      JsonNode sample = instruct.get(i);
      String type = List.of("conversation", "detail", "complex_reasoning").get(i % 3);
      String image = sample.get("image").asText();
      JsonNode conv = sample.get("conversations");
      assertThat(sample.get("type").asText()).isEqualTo(type);
      assertThat(sample.get("id").asText())
          .isEqualTo(image.substring("images/".length(), image.length() - 4) + "-" + type);
      assertThat(captions).as("training pictures only").containsKey(image);
      assertThat(conv.get(0).get("value").asText()).startsWith("<image>\n");
      if (type.equals("conversation")) {
        assertThat(conv.size()).isBetween(4, 6);
      } else {
        assertThat(conv.size()).isEqualTo(2);
      }
      String answer = conv.get(1).get("value").asText();
      if (type.equals("detail")) {
        Matcher m = THING.matcher(captions.get(image));
        int shapes = 0;
        while (m.find()) {
          shapes++;
          assertThat(answer)
              .contains("A " + m.group(1) + " " + m.group(2) + " is at the " + m.group(3) + ".");
        }
        assertThat(answer)
            .startsWith("The picture shows " + SceneText.NUMBERS.get(shapes) + " shape");
      }
      if (type.equals("complex_reasoning")) {
        assertThat(answer)
            .containsPattern(
                "(so the answer is (yes|no)|leaves \\w+|so the .+ is (above|below|level "
                    + "with) the .+)\\.$");
        reasoning.add(
            conv.get(0).get("value").asText().replaceAll("(the|Is the|Are there more) .*", "$1"));
      }
    }
    assertThat(reasoning).as("every kind of reasoning question").hasSize(3);
    SyntheticWorld.Summary again =
        new SyntheticWorld(40, 13, 24, 0.25).generate(dir.resolve("again"));
    assertThat(Files.readString(again.stage2Instruct()))
        .isEqualTo(Files.readString(s.stage2Instruct()));
  }

  private static int cellOf(String where) {
    if (where.equals("center")) {
      return 4;
    }
    String[] rc = where.split(" ");
    int row = java.util.List.of("top", "middle", "bottom").indexOf(rc[0]);
    int col = java.util.List.of("left", "center", "right").indexOf(rc[1]);
    return row * 3 + col;
  }
}
