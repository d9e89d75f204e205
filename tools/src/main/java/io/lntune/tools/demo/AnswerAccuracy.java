package io.lntune.tools.demo;

import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

import io.lntune.models.image.ImageDecoder;
import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.LlavaOutput;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.TensorScope;
import io.lntune.training.data.BadRowPolicy;
import io.lntune.training.data.Batch;
import io.lntune.training.data.ClipTransform;
import io.lntune.training.data.ConversationTemplate;
import io.lntune.training.data.DataStats;
import io.lntune.training.data.ImageMarkup;
import io.lntune.training.data.LlavaDataset;
import io.lntune.training.data.LlavaSample;
import io.lntune.training.data.SampleFilter;
import io.lntune.training.data.TokenizedConversation;
import io.lntune.training.data.Turn;
import io.lntune.training.synth.Scene;
import io.lntune.training.synth.SceneText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Held-out accuracy on every question whose answer must be read off the picture and comes from a
 * closed set of at least four: "What colour is the circle?" (6 colours), "Where is the red star?"
 * (9 places), "How many shapes are there?" and "How many red shapes are there?" (one to four). Only
 * the yes/no questions are left out, as their chance is 50%. The model's answer is the candidate it
 * gives the highest likelihood, so chance is 1/6, 1/9 and 1/4 (at most 25%, as the demo promises).
 * Accuracy is also kept per kind of question, as the kinds differ widely.
 */
final class AnswerAccuracy {
  /** One held-out question with its picture, its right answer and the candidates. */
  record Question(String image, String text, String answer, List<String> candidates) {
    /** {@return the kind of question: "colour", "place" or "count"} */
    String kind() {
      return candidates == COLOURS ? "colour" : candidates == PLACES ? "place" : "count";
    }
  }

  /**
   * The share of questions answered right, overall and per kind.
   *
   * @param byKind right and asked per kind of question, in the order first asked
   */
  record Score(double accuracy, Map<String, int[]> byKind) {
    /** {@return "colour 21/27, place 22/40, count 80/90"} */
    String breakdown() {
      return byKind.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()[0] + "/" + e.getValue()[1])
          .collect(Collectors.joining(", "));
    }
  }

  static final List<String> COLOURS =
      Arrays.stream(Scene.Colour.values()).map(Scene.Colour::word).toList();
  static final List<String> PLACES =
      IntStream.range(0, 9)
          .mapToObj(i -> new Scene.Thing(Scene.Shape.CIRCLE, Scene.Colour.RED, i).where())
          .toList();

  /**
   * Every picture has one to four shapes, and a "how many red shapes" question names a colour that
   * is there.
   */
  static final List<String> COUNTS = SceneText.NUMBERS.subList(1, SceneText.NUMBERS.size());

  private AnswerAccuracy() {}

  /** {@return up to {@code limit} closed-set questions of the held-out conversations} */
  static List<Question> questions(Path evalJson, int limit) {
    List<Question> out = new ArrayList<>();
    try (LlavaDataset data =
        LlavaDataset.open(evalJson, SampleFilter.all(), BadRowPolicy.FAIL, new DataStats())) {
      for (int i = 0; i < data.size() && out.size() < limit; i++) {
        LlavaSample s = data.sample(i);
        List<Turn> turns = s.conversations();
        for (int j = 0; j + 1 < turns.size() && out.size() < limit; j += 2) {
          String q = turns.get(j).value().replace("<image>\n", "");
          List<String> candidates =
              q.startsWith("What colour")
                  ? COLOURS
                  : q.startsWith("Where is") ? PLACES : q.startsWith("How many") ? COUNTS : null;
          if (candidates != null) {
            out.add(
                new Question(
                    s.image()
                        .orElseThrow(
                            () ->
                                new IllegalArgumentException(
                                    evalJson + ": sample " + s.id() + " has no image")),
                    q,
                    turns.get(j + 1).value(),
                    candidates));
          }
        }
      }
    }
    return out;
  }

  /** {@return the share of {@code questions} whose most likely candidate is the right answer} */
  static Score of(LlavaModel model, Tokenizer tok, Path imageRoot, List<Question> questions) {
    ConversationTemplate template = ConversationTemplate.forName("vicuna_v1");
    Tokenizer padded = tok.withPadToken(template.padToken());
    ClipTransform transform = ClipTransform.forModel(model.config());
    model.eval();
    int right = 0;
    Map<String, int[]> byKind = new LinkedHashMap<>();
    for (Question q : questions) {
      try (TensorScope scope = TensorScope.open();
          NoGradGuard g = new NoGradGuard()) {
        float[] px = transform.apply(ImageDecoder.read(imageRoot.resolve(q.image())));
        Tensor pixels = Tensor.create(px, 1, 3, DemoModels.IMAGE, DemoModels.IMAGE);
        double[] scores = logLikelihoods(model, template, padded, pixels, q);
        int best = 0;
        for (int c = 1; c < scores.length; c++) {
          if (scores[c] > scores[best]) {
            best = c;
          }
        }
        int correct = q.candidates().get(best).equals(q.answer()) ? 1 : 0;
        right += correct;
        int[] kind = byKind.computeIfAbsent(q.kind(), k -> new int[2]);
        kind[0] += correct;
        kind[1]++;
      }
    }
    model.train(true);
    return new Score(questions.isEmpty() ? 0 : (double) right / questions.size(), byKind);
  }

  /**
   * Log-likelihood of each candidate answer (and the end of the turn) after the question, as the
   * template supervises it: the candidates run as one right-padded batch.
   */
  static double[] logLikelihoods(
      LlavaModel model, ConversationTemplate template, Tokenizer tok, Tensor pixels, Question q) {
    int n = q.candidates().size();
    List<TokenizedConversation> rows =
        q.candidates().stream()
            .map(
                answer ->
                    template.tokenize(
                        new LlavaSample(
                            "eval",
                            Optional.of(q.image()),
                            List.of(
                                new Turn(Turn.HUMAN, "<image>\n" + q.text()),
                                new Turn(Turn.GPT, answer)),
                            Map.of()),
                        tok,
                        ImageMarkup.of(model.config())))
            .toList();
    LlavaOutput out;
    try (Batch b = Batch.ofTokens(rows, 0)) {
      out =
          model.forward(
              LlavaInput.of(b.inputIds())
                  .withAttentionMask(b.attentionMask())
                  .withLabels(b.labels())
                  .withPixels(pixels.expand(n, -1, -1, -1).contiguous()));
    }
    long steps = out.logits().size(1) - 1; // spliced length - 1
    Tensor nll =
        cross_entropy_loss(
            out.logits().narrow(1, 0, steps).reshape(n * steps, -1).to(ScalarType.Float),
            out.labels().orElseThrow().narrow(1, 1, steps).reshape(n * steps),
            new TensorOptional(),
            0,
            CausalLmLoss.IGNORE_INDEX,
            0.0);
    double[] scores = new double[n];
    nll.reshape(n, steps)
        .sum(new long[] {1}, false, new ScalarTypeOptional())
        .neg()
        .to(ScalarType.Double)
        .contiguous()
        .data_ptr_double()
        .get(scores);
    return scores;
  }
}
