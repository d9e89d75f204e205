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
import io.lntune.training.data.ImageTransform;
import io.lntune.training.data.LlavaText;
import io.lntune.training.data.PromptTokens;
import io.lntune.training.data.Turn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Answers questions about images with a LLaVA model, a batch at a time: each question becomes a chat prompt of
 * the conversation template (earlier text-only exchanges first, then the question with its image), the batch is
 * generated with the KV cache, and each reply is cut at the template's stop string and stripped.
 *
 * <pre>{@code
 * LlavaAnswerer a = new LlavaAnswerer(model, tokenizer, ConversationTemplate.forName("vicuna_v1"),
 *     GenerationConfig.greedy(64));
 * List<String> replies = a.answer(List.of(new LlavaAnswerer.Question(Path.of("cat.png"), "What is this?",
 *     List.of())));
 * }</pre>
 *
 * <p>Puts the model in evaluation mode. Not thread-safe (it drives one model).
 */
public final class LlavaAnswerer {
  private final LlavaModel model;
  private final Tokenizer tokenizer;
  private final ConversationTemplate template;
  private final GenerationConfig generation;
  private final ImageTransform transform;
  private final StopStrings stop;

  /**
   * One question.
   *
   * @param image the picture, or null for a text-only question
   * @param text what to ask (without the image placeholder)
   * @param shots earlier exchanges, text only, alternating human and gpt (few-shot demonstrations)
   */
  public record Question(Path image, String text, List<Turn> shots) {
    public Question {
      Objects.requireNonNull(text, "text");
      shots = List.copyOf(shots);
    }
  }

  public LlavaAnswerer(LlavaModel model, Tokenizer tokenizer, ConversationTemplate template,
      GenerationConfig generation) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
    this.generation = generation;
    this.transform = ClipTransform.forModel(model.config());
    this.stop = new StopStrings(tokenizer, List.of(template.stopString()));
    model.eval();
  }

  /** {@return the template's prompt text for {@code q}} */
  public String prompt(Question q) {
    List<Turn> turns = new ArrayList<>(q.shots());
    turns.add(new Turn(Turn.HUMAN, q.image() == null ? q.text() : LlavaText.IMAGE + "\n" + q.text()));
    return template.prompt(turns);
  }

  /**
   * {@return the replies to {@code questions}, generated as one batch}
   *
   * @throws io.lntune.models.image.ImageException if an image cannot be read
   */
  public List<String> answer(List<Question> questions) {
    List<long[]> prompts = new ArrayList<>();
    for (Question q : questions) {
      prompts.add(Arrays.stream(PromptTokens.withImages(tokenizer, prompt(q))).asLongStream().toArray());
    }
    List<Generator.Output> out;
    try (TensorScope scope = TensorScope.open()) {
      TensorVector images = new TensorVector();
      int[] shape = transform.shape();
      for (Question q : questions) {
        if (q.image() != null) {
          images.push_back(Tensor.create(transform.apply(ImageDecoder.read(q.image())), shape[0], shape[1],
              shape[2]));
        }
      }
      Tensor pixels = images.size() == 0 ? null
          : stack(images, 0).to(model.placement().device().toTorch(), model.placement().dtype().scalarType());
      out = model.generate(prompts, pixels, generation, stop);
    }
    return out.stream().map(o -> LlavaText.strip(stop.text(o.tokens()))).toList();
  }
}
