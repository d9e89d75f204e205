package io.lntune.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.LntuneException;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubsetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static SyntheticWorld.Summary world;

  @BeforeAll
  static void world() {
    world = new SyntheticWorld(30, 2, 16, 0).generate(dir);
  }

  private static LlavaDataset open(Path file, String subset, long seed) {
    return LlavaDataset.open(
        file, SampleFilter.all(), Subset.parse(subset), seed, BadRowPolicy.FAIL, new DataStats());
  }

  private static List<String> ids(LlavaDataset data) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      out.add(data.sample(i).id());
    }
    return out;
  }

  private static Map<String, Integer> types(LlavaDataset data) {
    Map<String, Integer> out = new TreeMap<>();
    for (int i = 0; i < data.size(); i++) {
      out.merge(data.type(i), 1, Integer::sum);
      assertThat(data.sample(i).fields().get("type")).isEqualTo(data.type(i));
    }
    return out;
  }

  @Test
  void specsParseAndPrintBack() {
    assertThat(Subset.parse("20000")).isEqualTo(Subset.random(20000));
    assertThat(Subset.parse("all").isAll()).isTrue();
    assertThat(Subset.parse("conversation:20000").parts())
        .containsExactly(Subset.Part.ofType("conversation", 20000));
    for (String spec : List.of("all", "7", "conversation:10,detail:5", "complex_reasoning:3")) {
      assertThat(Subset.parse(spec)).hasToString(spec);
    }
    for (String bad :
        List.of(
            "",
            "x",
            "conversation:",
            ":5",
            "conversation:0",
            "-3",
            "a:1,a:2",
            "5,detail:2",
            "conversation:1.5")) {
      assertThatThrownBy(() -> Subset.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Subset.parse("conversation:x"))
        .hasMessageContaining("'conversation:x' is not N or " + "type:N");
  }

  @Test
  void typedSubsetsHaveTheAskedSizeAndTypesAndAreFixedBySeed() {
    Path file = world.stage2Instruct();
    try (LlavaDataset a = open(file, "conversation:12,detail:5", 1);
        LlavaDataset b = open(file, "detail:5,conversation:12", 1);
        LlavaDataset c = open(file, "conversation:12,detail:5", 2)) {
      assertThat(a.size()).isEqualTo(17);
      assertThat(types(a)).isEqualTo(Map.of("conversation", 12, "detail", 5));
      assertThat(ids(a)).doesNotHaveDuplicates().isEqualTo(ids(b));
      assertThat(ids(c)).isNotEqualTo(ids(a));
      assertThat(types(c)).isEqualTo(types(a));
    }
    try (LlavaDataset small = open(file, "conversation:6", 1);
        LlavaDataset large = open(file, "conversation:12", 1)) {
      assertThat(ids(large))
          .as("a type is drawn on its own; a smaller draw is part of a larger one")
          .containsAll(ids(small));
    }
  }

  @Test
  void aRandomSubsetDrawsFromEveryType() {
    Path file = world.stage2Instruct();
    try (LlavaDataset all = open(file, "all", 0);
        LlavaDataset a = open(file, "40", 9);
        LlavaDataset b = open(file, "40", 9)) {
      assertThat(all.size()).isEqualTo(90);
      assertThat(ids(a)).hasSize(40).doesNotHaveDuplicates().isEqualTo(ids(b)).isSubsetOf(ids(all));
      assertThat(types(a)).containsOnlyKeys("conversation", "detail", "complex_reasoning");
    }
  }

  @Test
  void tooFewSamplesOfATypeIsAnErrorListingTheTypes() {
    assertThatThrownBy(() -> open(world.stage2Instruct(), "detail:31,conversation:2", 0))
        .isInstanceOf(LntuneException.class)
        .hasMessageContaining("stage2-instruct.json")
        .hasMessageContaining("31 of type detail asked, 30 there")
        .hasMessageContaining("complex_reasoning=30, conversation=30, detail=30");
    assertThatThrownBy(() -> open(world.stage2Train(), "conversation:1", 0))
        .hasMessageContaining("types found: {unknown=30}");
  }

  /**
   * The type rule: the "type" field, else "source", else the file's name (LLaVA's part files), else
   * unknown.
   */
  @Test
  void withoutATypeFieldTheFileNameGivesTheType() throws IOException {
    ArrayNode untyped = (ArrayNode) JSON.readTree(world.stage2Train().toFile());
    for (String name :
        List.of(
            "detail_23k.json",
            "Complex_Reasoning_77k.json",
            "conversation_58k.json",
            "llava_instruct_150k.json")) {
      Path file = dir.resolve(name);
      JSON.writeValue(file.toFile(), untyped);
      String expected = SampleType.ofFile(file);
      try (LlavaDataset data = open(file, "all", 0)) {
        for (int i = 0; i < data.size(); i++) {
          assertThat(data.type(i)).as(name).isEqualTo(expected);
        }
      }
    }
    assertThat(SampleType.ofFile(Path.of("x/Complex_Reasoning_77k.json")))
        .isEqualTo("complex_reasoning");
    assertThat(SampleType.ofFile(Path.of("llava_instruct_150k.json"))).isEqualTo("unknown");
    ArrayNode sourced = untyped.deepCopy();
    ((ObjectNode) sourced.get(0)).put("source", "gqa");
    ((ObjectNode) sourced.get(1)).put("source", "gqa").put("type", "detail");
    Path file = dir.resolve("conversation_mixed.json");
    JSON.writeValue(file.toFile(), sourced);
    try (LlavaDataset data = open(file, "gqa:1,detail:1,conversation:28", 0)) {
      assertThat(Arrays.asList(data.type(0), data.type(1), data.type(2)))
          .containsExactly("gqa", "detail", "conversation");
    }
  }
}
