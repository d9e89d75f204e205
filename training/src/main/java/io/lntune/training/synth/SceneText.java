package io.lntune.training.synth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The words of the synthetic world: a caption of a scene (stage 1) and questions whose answers can
 * only be read off the picture (stage 2): how many shapes, what colour a shape is, where it is,
 * whether one is there.
 *
 * <pre>{@code
 * SceneText.caption(scene);                  // "a red circle at the top left and a blue star at the center."
 * SceneText.questions(scene, new Random(1));  // [QA[question=How many shapes are there?, answer=2], ...]
 * }</pre>
 */
public final class SceneText {
  /** The answers to "how many" questions, by count: a scene has at most four shapes. */
  public static final List<String> NUMBERS = List.of("zero", "one", "two", "three", "four");

  private SceneText() {}

  /**
   * A question and its answer.
   *
   * @param question what the human asks
   * @param answer the short answer the picture gives
   */
  public record QA(String question, String answer) {}

  /** {@return a caption naming every shape, its colour and where it is} */
  public static String caption(Scene scene) {
    List<String> parts = new ArrayList<>();
    for (Scene.Thing t : scene.objects()) {
      parts.add("a " + t.name() + (t.cell() == 4 ? " at the center" : " at the " + t.where()));
    }
    return String.join(" and ", parts) + ".";
  }

  /** {@return the request for a caption and the caption: what stage 1 trains on} */
  public static QA description(Scene scene) {
    return new QA("Describe the image briefly.", caption(scene));
  }

  /** {@return two or three questions about {@code scene}, drawn from {@code random}} */
  public static List<QA> questions(Scene scene, Random random) {
    List<QA> pool = new ArrayList<>();
    List<Scene.Thing> things = scene.objects();
    pool.add(new QA("How many shapes are there?", NUMBERS.get(things.size())));
    Scene.Thing t = things.get(random.nextInt(things.size()));
    String shape = t.shape().name().toLowerCase(Locale.ROOT);
    if (things.stream().filter(o -> o.shape() == t.shape()).count() == 1) {
      pool.add(new QA("What colour is the " + shape + "?", t.colour().word()));
    }
    if (things.stream().filter(o -> o.shape() == t.shape() && o.colour() == t.colour()).count()
        == 1) {
      pool.add(new QA("Where is the " + t.name() + "?", t.where()));
    }
    Scene.Colour c = Scene.Colour.values()[random.nextInt(Scene.Colour.values().length)];
    Scene.Shape s = Scene.Shape.values()[random.nextInt(Scene.Shape.values().length)];
    boolean present = things.stream().anyMatch(o -> o.colour() == c && o.shape() == s);
    pool.add(
        new QA(
            "Is there a " + c.word() + " " + s.name().toLowerCase(Locale.ROOT) + "?",
            present ? "yes" : "no"));
    long ofColour = things.stream().filter(o -> o.colour() == t.colour()).count();
    pool.add(
        new QA(
            "How many " + t.colour().word() + " shapes are there?", NUMBERS.get((int) ofColour)));
    Collections.shuffle(pool, random);
    return pool.subList(0, Math.min(pool.size(), 2 + random.nextInt(2)));
  }
}
