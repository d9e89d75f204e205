package io.lntune.training.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.LntuneException;
import io.lntune.training.eval.Benchmark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Mini-benchmarks of the synthetic world in the five benchmarks' own formats, for tests and for the
 * demo: pictures of coloured shapes ({@code images/COCO_synth_<id:012d>.png}) and
 *
 * <ul>
 *   <li>{@code mme/<subtask>.txt}: MME question files for existence, count, color and position, a
 *       yes and a no question per picture;
 *   <li>{@code pope/coco_pope_synth.jsonl}: POPE questions with labels for the random, popular and
 *       adversarial splits (absent shapes drawn at random, the world's most common shapes, or
 *       shapes sharing a colour with a present one);
 *   <li>{@code vqav2/questions.json} and {@code vqav2/annotations.json}: official-format VQA
 *       questions and ten human answers each, and {@code vqav2/shots.json}, question/answer
 *       demonstrations about other pictures;
 *   <li>{@code coco/captions.json} and {@code flickr30k/captions.json}: COCO-format images with two
 *       reference captions each (half the pictures each), and {@code coco/shots.json}, caption
 *       demonstrations.
 * </ul>
 *
 * The same seed gives the same files.
 *
 * <pre>{@code
 * Path dir = new SyntheticBenchmarks(20, 3, 64).write(Path.of("bench"));
 * // lntune eval --benchmark vqav2 --questions bench/vqav2/questions.json --images bench/images
 * //     --annotations bench/vqav2/annotations.json ...
 * }</pre>
 *
 * @param images how many pictures (at least 2)
 * @param seed the random seed
 * @param size the picture width and height in pixels
 */
public record SyntheticBenchmarks(int images, long seed, int size) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUBTYPE = "synth";

  public SyntheticBenchmarks {
    if (images < 2) {
      throw new IllegalArgumentException("images must be >= 2, got " + images);
    }
    if (size < 12) {
      throw new IllegalArgumentException("size must be >= 12 pixels, got " + size);
    }
  }

  /** {@return the file name of picture {@code id}} */
  public static String imageName(int id) {
    return String.format("COCO_%s_%012d.png", SUBTYPE, id);
  }

  /**
   * Writes the pictures and every benchmark's files under {@code out}.
   *
   * @return {@code out}
   * @throws LntuneException if a file cannot be written
   */
  public Path write(Path out) {
    Random random = new Random(seed);
    List<Scene> scenes = new ArrayList<>();
    try {
      Files.createDirectories(out.resolve("images"));
      for (int i = 0; i < images; i++) {
        Scene s = Scene.random(random);
        scenes.add(s);
        ImageIO.write(
            SceneRenderer.render(s, size),
            "png",
            out.resolve("images").resolve(imageName(i + 1)).toFile());
      }
      mme(out.resolve("mme"), scenes, random);
      pope(out.resolve("pope"), scenes, random);
      vqa(out.resolve("vqav2"), scenes, random);
      int half = images / 2;
      captions(out.resolve("coco"), scenes.subList(0, half), 1, random);
      captions(out.resolve("flickr30k"), scenes.subList(half, images), half + 1, random);
      return out;
    } catch (IOException e) {
      throw new LntuneException(
          out + ": cannot write the synthetic benchmarks: " + e.getMessage(), e);
    }
  }

  private static void mme(Path dir, List<Scene> scenes, Random random) throws IOException {
    Files.createDirectories(dir);
    List<String> existence = new ArrayList<>();
    List<String> count = new ArrayList<>();
    List<String> color = new ArrayList<>();
    List<String> position = new ArrayList<>();
    String ask = " Please answer yes or no.";
    for (int i = 0; i < scenes.size(); i++) {
      Scene s = scenes.get(i);
      String image = imageName(i + 1);
      Scene.Thing present = s.objects().get(random.nextInt(s.objects().size()));
      existence.add(line(image, "Is there a " + present.name() + " in this image?" + ask, "Yes"));
      existence.add(
          line(image, "Is there a " + absent(s, random).name() + " in this image?" + ask, "No"));
      int n = s.objects().size();
      int wrong = n == 1 ? 2 : n - 1;
      count.add(
          line(
              image,
              "Are there " + SceneText.NUMBERS.get(n) + " shapes in the image?" + ask,
              "Yes"));
      count.add(
          line(
              image,
              "Are there " + SceneText.NUMBERS.get(wrong) + " shapes in the image?" + ask,
              "No"));
      Scene.Colour missing = Scene.Colour.values()[random.nextInt(Scene.Colour.values().length)];
      while (hasColour(s, missing)) {
        missing = Scene.Colour.values()[random.nextInt(Scene.Colour.values().length)];
      }
      color.add(
          line(
              image,
              "Is there a " + present.colour().word() + " shape in the image?" + ask,
              "Yes"));
      color.add(line(image, "Is there a " + missing.word() + " shape in the image?" + ask, "No"));
      int other = (present.cell() + 1 + random.nextInt(8)) % 9;
      position.add(
          line(
              image, "Is the " + present.name() + " at the " + present.where() + "?" + ask, "Yes"));
      position.add(
          line(
              image,
              "Is the "
                  + present.name()
                  + " at the "
                  + new Scene.Thing(present.shape(), present.colour(), other).where()
                  + "?"
                  + ask,
              "No"));
    }
    Files.write(dir.resolve("existence.txt"), existence, StandardCharsets.UTF_8);
    Files.write(dir.resolve("count.txt"), count, StandardCharsets.UTF_8);
    Files.write(dir.resolve("color.txt"), color, StandardCharsets.UTF_8);
    Files.write(dir.resolve("position.txt"), position, StandardCharsets.UTF_8);
  }

  private static String line(String image, String question, String answer) {
    return image + "\t" + question + "\t" + answer;
  }

  private static boolean hasColour(Scene s, Scene.Colour c) {
    return s.objects().stream().anyMatch(t -> t.colour() == c);
  }

  private static boolean has(Scene s, Scene.Shape shape, Scene.Colour c) {
    return s.objects().stream().anyMatch(t -> t.colour() == c && t.shape() == shape);
  }

  /** A shape and colour the scene does not hold, drawn at random. */
  private static Scene.Thing absent(Scene s, Random random) {
    while (true) {
      Scene.Shape shape = Scene.Shape.values()[random.nextInt(Scene.Shape.values().length)];
      Scene.Colour c = Scene.Colour.values()[random.nextInt(Scene.Colour.values().length)];
      if (!has(s, shape, c)) {
        return new Scene.Thing(shape, c, 0);
      }
    }
  }

  private static void pope(Path dir, List<Scene> scenes, Random random) throws IOException {
    Files.createDirectories(dir);
    // "popular": the world's most frequent shape-colour pairs first
    Map<String, Integer> frequency = new HashMap<>();
    scenes.forEach(s -> s.objects().forEach(t -> frequency.merge(t.name(), 1, Integer::sum)));
    List<Scene.Thing> byFrequency = new ArrayList<>();
    for (Scene.Shape shape : Scene.Shape.values()) {
      for (Scene.Colour c : Scene.Colour.values()) {
        byFrequency.add(new Scene.Thing(shape, c, 0));
      }
    }
    byFrequency.sort(
        Comparator.comparingInt((Scene.Thing t) -> -frequency.getOrDefault(t.name(), 0))
            .thenComparing(Scene.Thing::name));
    List<String> lines = new ArrayList<>();
    int id = 0;
    for (String split : List.of("random", "popular", "adversarial")) {
      for (int i = 0; i < scenes.size(); i++) {
        Scene s = scenes.get(i);
        Scene.Thing present = s.objects().get(random.nextInt(s.objects().size()));
        Scene.Thing missing =
            switch (split) {
              case "random" -> absent(s, random);
              case "popular" ->
                  byFrequency.stream()
                      .filter(t -> !has(s, t.shape(), t.colour()))
                      .findFirst()
                      .orElseThrow();
              default -> adversarial(s, present, random);
            };
        lines.add(pope(++id, i + 1, present, "yes", split));
        lines.add(pope(++id, i + 1, missing, "no", split));
      }
    }
    Files.write(dir.resolve("coco_pope_synth.jsonl"), lines, StandardCharsets.UTF_8);
  }

  /**
   * An absent shape in the colour of a present one (POPE's adversarial split asks about
   * co-occurring objects).
   */
  private static Scene.Thing adversarial(Scene s, Scene.Thing present, Random random) {
    for (int tries = 0; tries < 16; tries++) {
      Scene.Shape shape = Scene.Shape.values()[random.nextInt(Scene.Shape.values().length)];
      if (!has(s, shape, present.colour())) {
        return new Scene.Thing(shape, present.colour(), 0);
      }
    }
    return absent(s, random);
  }

  private static String pope(int id, int image, Scene.Thing thing, String label, String split)
      throws IOException {
    return JSON.writeValueAsString(
        JSON.createObjectNode()
            .put("question_id", id)
            .put("image", imageName(image))
            .put("text", "Is there a " + thing.name() + " in the image?")
            .put("label", label)
            .put("category", split));
  }

  private void vqa(Path dir, List<Scene> scenes, Random random) throws IOException {
    Files.createDirectories(dir);
    ObjectNode questions =
        JSON.createObjectNode().put("data_subtype", SUBTYPE).put("task_type", "OpenEnded");
    ArrayNode qs = questions.putArray("questions");
    ArrayNode anns = JSON.createObjectNode().putArray("annotations");
    for (int i = 0; i < scenes.size(); i++) {
      int k = 0;
      for (SceneText.QA qa : SceneText.questions(scenes.get(i), random)) {
        int qid = (i + 1) * 10 + k++; // VQA's ids: the image id, then a digit
        qs.addObject()
            .put("image_id", i + 1)
            .put("question", qa.question())
            .put("question_id", qid);
        ObjectNode a =
            anns.addObject()
                .put("question_id", qid)
                .put("image_id", i + 1)
                .put("answer_type", answerType(qa.answer()))
                .put("multiple_choice_answer", human(qa.answer()));
        ArrayNode answers = a.putArray("answers");
        for (int h = 1; h <= 10; h++) {
          answers
              .addObject()
              .put("answer", human(qa.answer()))
              .put("answer_confidence", "yes")
              .put("answer_id", h);
        }
      }
    }
    JSON.writeValue(dir.resolve("questions.json").toFile(), questions);
    ObjectNode annotations = JSON.createObjectNode().put("data_subtype", SUBTYPE);
    annotations.set("annotations", anns);
    JSON.writeValue(dir.resolve("annotations.json").toFile(), annotations);
    ArrayNode shots = JSON.createArrayNode();
    for (SceneText.QA qa : SceneText.questions(Scene.random(random), random)) {
      shots.addObject().put("question", qa.question()).put("answer", human(qa.answer()));
    }
    JSON.writeValue(dir.resolve("shots.json").toFile(), shots);
  }

  /** VQA's annotators' answers are normalised: numbers as digits. */
  private static String human(String answer) {
    int n = SceneText.NUMBERS.indexOf(answer);
    return n >= 0 ? Integer.toString(n) : answer;
  }

  private static String answerType(String answer) {
    return answer.equals("yes") || answer.equals("no")
        ? "yes/no"
        : !human(answer).equals(answer) ? "number" : "other";
  }

  private static void captions(Path dir, List<Scene> scenes, int firstId, Random random)
      throws IOException {
    Files.createDirectories(dir);
    ObjectNode file = JSON.createObjectNode();
    ArrayNode images = file.putArray("images");
    ArrayNode anns = file.putArray("annotations");
    int ann = 0;
    for (int i = 0; i < scenes.size(); i++) {
      int image = firstId + i;
      images.addObject().put("id", image).put("file_name", imageName(image));
      String caption = SceneText.caption(scenes.get(i));
      for (String ref : List.of(capitalised(caption), "A picture of " + caption)) {
        anns.addObject().put("id", ++ann).put("image_id", image).put("caption", ref);
      }
    }
    JSON.writeValue(dir.resolve("captions.json").toFile(), file);
    ArrayNode shots = JSON.createArrayNode();
    shots
        .addObject()
        .put("question", Benchmark.CAPTION_PROMPT)
        .put("answer", capitalised(SceneText.caption(Scene.random(random))));
    JSON.writeValue(dir.resolve("shots.json").toFile(), shots);
  }

  private static String capitalised(String s) {
    return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
  }
}
