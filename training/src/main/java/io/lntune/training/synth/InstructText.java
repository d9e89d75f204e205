package io.lntune.training.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The synthetic world's versions of LLaVA-Instruct's two single-turn kinds: a detailed description
 * of a scene (a request for detail, answered shape by shape and row by row) and a complex-reasoning
 * question (one that needs a step over what is drawn: a count after taking a shape away, which of
 * two shapes is higher, a comparison of two colours), answered with its reasoning. The conversation
 * kind is {@link SceneText#questions}.
 *
 * <pre>{@code
 * InstructText.detail(scene, random);      // QA[question=Describe the image in detail., answer=The picture shows ...]
 * InstructText.reasoning(scene, random);   // QA[question=If the red circle were taken away, ..., answer=...]
 * }</pre>
 */
public final class InstructText {
  private static final List<String> DETAIL_REQUESTS =
      List.of(
          "Describe the image in detail.",
          "What is in this picture? Give a detailed description.",
          "Explain what the image shows, in detail.");
  private static final List<String> ROWS = List.of("top", "middle", "bottom");

  private InstructText() {}

  /**
   * {@return a request for a detailed description of {@code scene}, drawn from {@code random}, and
   * the description}
   */
  public static SceneText.QA detail(Scene scene, Random random) {
    List<Scene.Thing> things = scene.objects();
    StringBuilder s =
        new StringBuilder(
            "The picture shows " + count(things.size(), "shape") + " on a white background.");
    for (Scene.Thing t : things) {
      s.append(" A ")
          .append(t.name())
          .append(t.cell() == 4 ? " is at the center." : " is at the " + t.where() + ".");
    }
    List<String> rows = new ArrayList<>();
    for (int row = 0; row < 3; row++) {
      int r = row;
      rows.add(
          "the "
              + ROWS.get(row)
              + " row "
              + count(things.stream().filter(t -> t.cell() / 3 == r).count(), "shape"));
    }
    s.append(" Row by row, ")
        .append(String.join(", ", rows.subList(0, 2)))
        .append(" and ")
        .append(rows.get(2))
        .append(".");
    return new SceneText.QA(
        DETAIL_REQUESTS.get(random.nextInt(DETAIL_REQUESTS.size())), s.toString());
  }

  /**
   * {@return a question about {@code scene} that needs a reasoning step, drawn from {@code random},
   * and its answer}
   */
  public static SceneText.QA reasoning(Scene scene, Random random) {
    List<Scene.Thing> unique =
        scene.objects().stream()
            .filter(
                t -> scene.objects().stream().filter(o -> o.name().equals(t.name())).count() == 1)
            .toList();
    int kinds = unique.size() >= 2 ? 3 : unique.isEmpty() ? 1 : 2;
    return switch (random.nextInt(kinds)) {
      case 0 -> colours(scene, random);
      case 1 -> removal(scene, unique.get(random.nextInt(unique.size())));
      default -> height(unique, random);
    };
  }

  /** Which of two colours, one of them in the picture, has more shapes. */
  private static SceneText.QA colours(Scene scene, Random random) {
    Scene.Colour a = scene.objects().get(random.nextInt(scene.objects().size())).colour();
    Scene.Colour b = Scene.Colour.values()[random.nextInt(Scene.Colour.values().length)];
    if (b == a) {
      b = Scene.Colour.values()[(b.ordinal() + 1) % Scene.Colour.values().length];
    }
    long na = scene.objects().stream().filter(t -> t.colour() == a).count();
    Scene.Colour other = b;
    long nb = scene.objects().stream().filter(t -> t.colour() == other).count();
    String verdict = na > nb ? "yes" : "no";
    return new SceneText.QA(
        "Are there more " + a.word() + " shapes than " + b.word() + " shapes?",
        "There "
            + (na == 1 ? "is " : "are ")
            + count(na, a.word() + " shape")
            + " and "
            + count(nb, b.word() + " shape")
            + ", so the answer is "
            + verdict
            + ".");
  }

  /** How many shapes are left when one is taken away. */
  private static SceneText.QA removal(Scene scene, Scene.Thing gone) {
    int n = scene.objects().size();
    return new SceneText.QA(
        "If the " + gone.name() + " were taken away, how many shapes would be left?",
        "The picture has "
            + count(n, "shape")
            + ". Taking away the "
            + gone.name()
            + " leaves "
            + SceneText.NUMBERS.get(n - 1)
            + ".");
  }

  /** Whether one shape is above, below or level with another. */
  private static SceneText.QA height(List<Scene.Thing> unique, Random random) {
    int i = random.nextInt(unique.size());
    int j = (i + 1 + random.nextInt(unique.size() - 1)) % unique.size();
    Scene.Thing a = unique.get(i);
    Scene.Thing b = unique.get(j);
    int ra = a.cell() / 3;
    int rb = b.cell() / 3;
    String relation = ra < rb ? "above" : ra > rb ? "below" : "level with";
    return new SceneText.QA(
        "Is the " + a.name() + " above, below or level with the " + b.name() + "?",
        "The "
            + a.name()
            + " is in the "
            + ROWS.get(ra)
            + " row and the "
            + b.name()
            + " is in the "
            + ROWS.get(rb)
            + " row, so the "
            + a.name()
            + " is "
            + relation
            + " the "
            + b.name()
            + ".");
  }

  /** {@return "no shapes", "one shape", "three shapes", ...} */
  private static String count(long n, String noun) {
    return (n == 0 ? "no" : SceneText.NUMBERS.get((int) n)) + " " + noun + (n == 1 ? "" : "s");
  }
}
