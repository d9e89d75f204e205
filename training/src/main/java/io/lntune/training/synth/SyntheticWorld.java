package io.lntune.training.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.AtomicFiles;
import io.lntune.torch.LntuneException;
import io.lntune.training.data.LlavaText;
import io.lntune.training.data.SampleType;
import io.lntune.training.data.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Generates the synthetic visual world that lntune's tests and demo train on: PNG pictures of
 * coloured shapes on a 3 x 3 grid, with LLaVA JSON for stage 1 ({@code stage1.json}: caption
 * samples for the {@code plain} template) and stage 2 ({@code stage2-train.json} and the held-out
 * {@code stage2-eval.json}: question/answer conversations whose answers depend on the picture). For
 * the data-type ablation, {@code stage2-instruct.json} holds LLaVA-Instruct's three kinds for every
 * training picture, each sample with its {@code "type"}: a conversation ({@value
 * SampleType#CONVERSATION}), a detailed description ({@value SampleType#DETAIL}) and a
 * complex-reasoning question ({@value SampleType#COMPLEX_REASONING}; see {@link InstructText}). The
 * same seed gives the same files.
 *
 * <pre>{@code
 * SyntheticWorld.Summary s = new SyntheticWorld(500, 7, 64, 0.1).generate(Path.of("data/synth"));
 * s.stage2Train();      // data/synth/stage2-train.json; images under data/synth/images/
 * s.stage2Instruct();   // data/synth/stage2-instruct.json: train with --subset conversation:200
 * }</pre>
 *
 * @param images how many pictures
 * @param seed the random seed
 * @param size the picture width and height in pixels
 * @param evalFraction the share of pictures held out for evaluation (their questions are in
 *     stage2-eval.json)
 */
public record SyntheticWorld(int images, long seed, int size, double evalFraction) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long INSTRUCT_SALT = 0x1a5713c7L;

  public SyntheticWorld {
    if (images < 1) {
      throw new IllegalArgumentException("images must be >= 1, got " + images);
    }
    if (size < 12) {
      throw new IllegalArgumentException("size must be >= 12 pixels, got " + size);
    }
    if (evalFraction < 0 || evalFraction >= 1) {
      throw new IllegalArgumentException("evalFraction must be in [0, 1), got " + evalFraction);
    }
  }

  /** {@return a world of {@code images} pictures of 64 pixels with seed 0 and a tenth held out} */
  public static SyntheticWorld of(int images) {
    return new SyntheticWorld(images, 0, 64, 0.1);
  }

  /**
   * Where the files went and how many samples each holds.
   *
   * @param stage1 the caption samples
   * @param stage2Train the training conversations
   * @param stage2Eval the held-out conversations
   * @param stage2Instruct the typed samples of the three kinds, three per training picture
   * @param imageRoot the folder the {@code image} paths are relative to
   * @param trainImages how many pictures the training files use
   * @param evalImages how many pictures are held out
   */
  public record Summary(
      Path stage1,
      Path stage2Train,
      Path stage2Eval,
      Path stage2Instruct,
      Path imageRoot,
      int trainImages,
      int evalImages) {}

  /**
   * Writes the pictures and the four JSON files under {@code out}.
   *
   * @throws LntuneException if a file cannot be written
   */
  public Summary generate(Path out) {
    Random random = new Random(seed);
    // A stream of its own, so that the typed samples leave the other files as they were before they
    // existed.
    Random instructRandom = new Random(seed ^ INSTRUCT_SALT);
    int eval = summary(out).evalImages();
    ArrayNode stage1 = JSON.createArrayNode();
    ArrayNode train = JSON.createArrayNode();
    ArrayNode held = JSON.createArrayNode();
    ArrayNode instruct = JSON.createArrayNode();
    try {
      Files.createDirectories(out.resolve("images"));
      for (int i = 0; i < images; i++) {
        Scene scene = Scene.random(random);
        String id = String.format("synth-%06d", i);
        String image = "images/" + id + ".png";
        ImageIO.write(SceneRenderer.render(scene, size), "png", out.resolve(image).toFile());
        boolean isEval = i >= images - eval;
        if (!isEval) {
          stage1.add(sample(id, image, List.of(SceneText.description(scene))));
          instruct.add(
              typed(
                  id, image, SampleType.CONVERSATION, SceneText.questions(scene, instructRandom)));
          instruct.add(
              typed(
                  id,
                  image,
                  SampleType.DETAIL,
                  List.of(InstructText.detail(scene, instructRandom))));
          instruct.add(
              typed(
                  id,
                  image,
                  SampleType.COMPLEX_REASONING,
                  List.of(InstructText.reasoning(scene, instructRandom))));
        }
        (isEval ? held : train).add(sample(id, image, SceneText.questions(scene, random)));
      }
      Summary s = summary(out);
      JSON.writeValue(s.stage1().toFile(), stage1);
      JSON.writeValue(s.stage2Train().toFile(), train);
      JSON.writeValue(s.stage2Instruct().toFile(), instruct);
      // Last and atomically: a complete held-out file marks a complete world (the demo caches
      // worlds).
      AtomicFiles.writeString(s.stage2Eval(), JSON.writeValueAsString(held));
      return s;
    } catch (IOException e) {
      throw new LntuneException(out + ": cannot write the synthetic world: " + e.getMessage(), e);
    }
  }

  /**
   * {@return where {@link #generate} puts the files of this world under {@code out}; it writes
   * nothing}
   */
  public Summary summary(Path out) {
    int eval = (int) Math.round(images * evalFraction);
    return new Summary(
        out.resolve("stage1.json"),
        out.resolve("stage2-train.json"),
        out.resolve("stage2-eval.json"),
        out.resolve("stage2-instruct.json"),
        out,
        images - eval,
        eval);
  }

  /**
   * {@return the LLaVA conversation of a picture's questions and answers: the picture's {@code
   * <image>} placeholder and a newline open the first question}
   */
  public static List<Turn> conversation(List<SceneText.QA> qas) {
    List<Turn> turns = new ArrayList<>();
    for (SceneText.QA qa : qas) {
      turns.add(
          new Turn(Turn.HUMAN, (turns.isEmpty() ? LlavaText.IMAGE + "\n" : "") + qa.question()));
      turns.add(new Turn(Turn.GPT, qa.answer()));
    }
    return turns;
  }

  /**
   * {@return a sample of LLaVA-Instruct's kind {@code type}, with its type in the id and in a
   * field}
   */
  private static ObjectNode typed(String id, String image, String type, List<SceneText.QA> qas) {
    return sample(id + "-" + type, image, qas).put("type", type);
  }

  private static ObjectNode sample(String id, String image, List<SceneText.QA> qas) {
    ObjectNode s = JSON.createObjectNode().put("id", id).put("image", image);
    ArrayNode conv = s.putArray("conversations");
    for (Turn t : conversation(qas)) {
      conv.addObject().put("from", t.from()).put("value", t.value());
    }
    return s;
  }
}
