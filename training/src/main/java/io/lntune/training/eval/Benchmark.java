package io.lntune.training.eval;

import java.util.Arrays;

/**
 * The paper's five benchmarks, in the formats their official tools use.
 *
 * <ul>
 *   <li>{@link #MME}: the official yes/no question files, one {@code <subtask>.txt} per subtask
 *       with lines {@code image<TAB>question<TAB>yes|no} (a directory of them, or one); images in
 *       {@code <images>/<subtask>/[images/]<image>} or {@code <images>/<image>}.
 *   <li>{@link #POPE}: JSON Lines {@code {"question_id", "image", "text", "label", "category"}};
 *       {@code label} may come from {@code --annotations} (an official POPE file) instead, {@code
 *       category} (random, popular, adversarial) from the file name ({@code
 *       coco_pope_random.json}).
 *   <li>{@link #VQAV2}: the official questions JSON ({@code {"data_subtype", "questions":
 *       [{"question_id", "image_id", "question"}]}}, images {@code
 *       COCO_<data_subtype>_<image_id:012d>.jpg}) or LLaVA's JSON Lines ({@code question_id, image,
 *       text}); official annotations ({@code answers}: ten human answers) for the score.
 *   <li>{@link #COCO_CAPTION} and {@link #FLICKR30K_CAPTION}: a COCO-format file whose {@code
 *       images} ({@code id}, {@code file_name}) are captioned; COCO-format {@code annotations}
 *       ({@code image_id}, {@code caption}) for the score.
 * </ul>
 */
public enum Benchmark {
  MME("mme"),
  POPE("pope"),
  VQAV2("vqav2"),
  COCO_CAPTION("coco-caption"),
  FLICKR30K_CAPTION("flickr30k-caption");

  /**
   * LLaVA-1.5's instruction after short-answer questions (its VQAv2, POPE and MME question files).
   */
  public static final String SHORT_ANSWER = "Answer the question using a single word or phrase.";

  /**
   * The caption prompt of the evaluation scripts the paper most likely used (docs/MODELS.md,
   * "Evaluation protocol").
   */
  public static final String CAPTION_PROMPT = "Please provide a description of the picture.";

  private final String cliName;

  Benchmark(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public boolean isCaptioning() {
    return this == COCO_CAPTION || this == FLICKR30K_CAPTION;
  }

  /**
   * {@return the default instruction: appended on a new line to questions, or the prompt itself for
   * captions}
   */
  public String defaultInstruction() {
    return isCaptioning() ? CAPTION_PROMPT : SHORT_ANSWER;
  }

  /**
   * {@return what is asked: the question and the instruction on a new line, or the instruction for
   * captions}
   */
  public String ask(String question, String instruction) {
    if (isCaptioning()) {
      return instruction;
    }
    return instruction.isEmpty() ? question : question + "\n" + instruction;
  }

  /**
   * @throws IllegalArgumentException listing the names for an unknown one
   */
  public static Benchmark parse(String name) {
    return Arrays.stream(values())
        .filter(b -> b.cliName.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown benchmark '"
                        + name
                        + "': expected one of "
                        + Arrays.stream(values()).map(Benchmark::cliName).toList()));
  }
}
