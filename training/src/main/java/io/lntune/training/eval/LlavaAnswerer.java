package io.lntune.training.eval;

import static org.bytedeco.pytorch.global.torch.stack;

import io.lntune.models.image.ImageDecoder;
import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llama.Generator;
import io.lntune.models.llama.StopStrings;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.TensorScope;
import io.lntune.training.data.ClipTransform;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.LlavaText;
import io.lntune.training.data.LlavaVocabulary;
import io.lntune.training.data.PromptTokens;
import io.lntune.training.data.Turn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Answers questions about images with a LLaVA model, a batch at a time: each question becomes a
 * chat prompt of the conversation template (earlier text-only exchanges first, then the question
 * with its image), the batch is generated with the KV cache, and each reply is cut at the
 * template's stop string and stripped.
 *
 * <pre>{@code
 * LlavaAnswerer a = new LlavaAnswerer(model, tokenizer, ConversationTemplate.forName("vicuna_v1"),
 *     GenerationConfig.greedy(64));
 * List<String> replies = a.answer(List.of(LlavaAnswerer.Question.about(Path.of("cat.png"), "What is this?")));
 * }</pre>
 *
 * <p>Puts the model in evaluation mode, and grows its vocabulary when its image markup needs tokens
 * the tokenizer lacks. Not thread-safe (it drives one model).
 */
public final class LlavaAnswerer {
  private final LlavaModel model;
  private final Tokenizer tokenizer;
  private final ImageMarkup markup;
  private final ConversationTemplate template;
  private final GenerationConfig generation;
  private final ImageTransform transform;
  private final StopStrings stop;

  /**
   * One question.
   *
   * @param image the picture; empty for a text-only question
   * @param text what to ask (without the image placeholder)
   * @param shots earlier exchanges, text only, alternating human and gpt (few-shot demonstrations)
   */
  public record Question(Optional<Path> image, String text, List<Turn> shots) {
    /**
     * Checks the question and copies {@code shots}.
     *
     * @param image the record component {@link #image()}
     * @param text the record component {@link #text()}
     * @param shots the record component {@link #shots()}
     * @throws NullPointerException if a component is null
     */
    public Question {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(text, "text");
      shots = List.copyOf(shots);
    }

    /**
     * A question about a picture, without demonstrations.
     *
     * @param image the picture
     * @param text what to ask
     * @return the question
     */
    public static Question about(Path image, String text) {
      return about(image, text, List.of());
    }

    /**
     * A question about a picture, after earlier text-only exchanges.
     *
     * @param image the picture
     * @param text what to ask
     * @param shots earlier exchanges, alternating human and gpt
     * @return the question
     */
    public static Question about(Path image, String text, List<Turn> shots) {
      return new Question(Optional.of(image), text, shots);
    }

    /**
     * A question without a picture.
     *
     * @param text what to ask
     * @param shots earlier exchanges, alternating human and gpt
     * @return the question
     */
    public static Question textOnly(String text, List<Turn> shots) {
      return new Question(Optional.empty(), text, shots);
    }
  }

  /**
   * Prepares {@code model} and {@code tokenizer} for each other ({@link
   * LlavaVocabulary#forGeneration}: the model grows when its image markup needs tokens the
   * tokenizer lacks) and puts the model in evaluation mode.
   */
  public LlavaAnswerer(
      LlavaModel model,
      Tokenizer tokenizer,
      ConversationTemplate template,
      GenerationConfig generation) {
    this.model = model;
    this.tokenizer = LlavaVocabulary.forGeneration(model, tokenizer);
    this.markup = ImageMarkup.of(model.config());
    this.template = template;
    this.generation = generation;
    this.transform = ClipTransform.forModel(model.config());
    this.stop = new StopStrings(this.tokenizer, List.of(template.stopString()));
    model.eval();
  }

  /**
   * {@return the template's prompt text for {@code q}}: the image goes where the question says
   * {@code <image>}, or, as in LLaVA's evaluation, in front of it on a line of its own; it is
   * written in the model's markup
   *
   * @throws IllegalArgumentException if a question with an image says {@code <image>} more than
   *     once, or one without an image says it at all
   */
  public String prompt(Question q) {
    long placeholders = q.text().split(LlavaText.IMAGE, -1).length - 1;
    if (placeholders > (q.image().isEmpty() ? 0 : 1)) {
      throw new IllegalArgumentException(
          "question '"
              + q.text()
              + "' holds "
              + placeholders
              + " "
              + LlavaText.IMAGE
              + " placeholders but "
              + (q.image().isEmpty() ? "no image" : "one image"));
    }
    String text =
        q.image().isEmpty() || placeholders == 1 ? q.text() : LlavaText.IMAGE + "\n" + q.text();
    List<Turn> turns = new ArrayList<>(q.shots());
    turns.add(new Turn(Turn.HUMAN, markup.wrap(text)));
    return template.prompt(turns);
  }

  /** {@return the ids of {@link #prompt}, LLaVA's placeholder where the image goes} */
  public long[] promptIds(Question q) {
    return Arrays.stream(PromptTokens.withImages(tokenizer, prompt(q))).asLongStream().toArray();
  }

  /**
   * {@return the replies to {@code questions}, generated as one batch}
   *
   * @throws io.lntune.models.image.ImageException if an image cannot be read
   */
  public List<String> answer(List<Question> questions) {
    List<long[]> prompts = questions.stream().map(this::promptIds).toList();
    List<Generator.Output> out;
    try (TensorScope scope = TensorScope.open()) {
      TensorVector images = new TensorVector();
      int[] shape = transform.shape();
      for (Question q : questions) {
        if (q.image().isPresent()) {
          images.push_back(
              Tensor.create(
                  transform.apply(ImageDecoder.read(q.image().get())),
                  shape[0],
                  shape[1],
                  shape[2]));
        }
      }
      if (images.size() == 0) {
        out = model.generate(prompts, generation, stop);
      } else {
        Tensor pixels =
            stack(images, 0)
                .to(model.placement().device().toTorch(), model.placement().dtype().scalarType());
        out = model.generate(prompts, pixels, generation, stop);
      }
    }
    return out.stream().map(o -> LlavaText.strip(stop.text(o.tokens()))).toList();
  }
}
