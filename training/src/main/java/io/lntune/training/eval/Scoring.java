package io.lntune.training.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.torch.AtomicFiles;
import io.lntune.torch.LntuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a benchmark's answers and writes its result files next to them: MME's per-subtask result
 * files for the official tool ({@code mme-results/<subtask>.txt}), the VQAv2 test-server submission
 * ({@code vqav2-submission.json}), the COCO-format caption results ({@code captions-results.json}),
 * and {@code scores.json} for every benchmark.
 */
final class Scoring {
  private Scoring() {}

  static JsonNode score(Evaluation.Settings s, List<Evaluation.Answered> answers) {
    ObjectNode scores = JsonInput.JSON.createObjectNode();
    scores.put("benchmark", s.benchmark().cliName());
    scores.put("model_id", s.modelId());
    scores.put("questions", answers.size());
    switch (s.benchmark()) {
      case MME -> mme(s, answers, scores);
      case POPE -> pope(s, answers, scores);
      case VQAV2 -> vqa(s, answers, scores);
      default -> captions(s, answers, scores);
    }
    write(s.out().resolve(Evaluation.SCORES), scores);
    return scores;
  }

  private static void mme(
      Evaluation.Settings s, List<Evaluation.Answered> answers, ObjectNode scores) {
    Map<String, List<MmeScore.Item>> bySubtask = new LinkedHashMap<>();
    Map<String, List<String>> resultLines = new LinkedHashMap<>();
    for (Evaluation.Answered a : answers) {
      EvalQuestion q = a.question();
      String image = q.id().asText().substring(q.category().length() + 1);
      bySubtask
          .computeIfAbsent(q.category(), k -> new ArrayList<>())
          .add(new MmeScore.Item(image, q.truth().orElseThrow(), a.text()));
      String truth = q.truth().orElseThrow().equals("yes") ? "Yes" : "No";
      resultLines
          .computeIfAbsent(q.category(), k -> new ArrayList<>())
          .add(
              String.join(
                  "\t", image, q.text(), truth, a.text().replace('\t', ' ').replace('\n', ' ')));
    }
    Path dir = s.out().resolve("mme-results");
    ObjectNode subtasks = scores.putObject("subtasks");
    double perception = 0;
    double cognition = 0;
    for (Map.Entry<String, List<MmeScore.Item>> e : bySubtask.entrySet()) {
      MmeScore m = MmeScore.of(e.getValue());
      subtasks
          .putObject(e.getKey())
          .put("acc", m.accuracy())
          .put("acc_plus", m.accuracyPlus())
          .put("score", m.score())
          .put("questions", m.questions())
          .put("images", m.images());
      perception += MmeScore.PERCEPTION.contains(e.getKey()) ? m.score() : 0;
      cognition += MmeScore.COGNITION.contains(e.getKey()) ? m.score() : 0;
      AtomicFiles.writeString(
          dir.resolve(e.getKey() + ".txt"), String.join("\n", resultLines.get(e.getKey())) + "\n");
    }
    scores
        .put("perception", perception)
        .put("cognition", cognition)
        .put("total", perception + cognition);
  }

  private static void pope(
      Evaluation.Settings s, List<Evaluation.Answered> answers, ObjectNode scores) {
    Map<String, String> annotated = new HashMap<>();
    if (s.annotations().isPresent()) {
      for (Iterator<JsonInput.Located> it = JsonInput.lines(s.annotations().get());
          it.hasNext(); ) {
        JsonInput.Located l = it.next();
        annotated.put(l.text("question_id"), QuestionFiles.label(l, l.text("label")));
      }
    }
    Map<String, List<Boolean>> labels = new LinkedHashMap<>();
    Map<String, List<String>> texts = new LinkedHashMap<>();
    for (Evaluation.Answered a : answers) {
      EvalQuestion q = a.question();
      String label = q.truth().orElseGet(() -> annotated.get(q.id().asText()));
      if (label == null) {
        throw new EvalDataException(
            q.where()
                + ": question "
                + q.id()
                + " has no 'label'"
                + s.annotations()
                    .map(f -> " here or in " + f)
                    .orElse(" and no --annotations were given"));
      }
      labels.computeIfAbsent(q.category(), k -> new ArrayList<>()).add(label.equals("yes"));
      texts.computeIfAbsent(q.category(), k -> new ArrayList<>()).add(a.text());
    }
    ObjectNode splits = scores.putObject("splits");
    double[] sums = new double[5];
    for (String split : labels.keySet()) {
      PopeScore p = PopeScore.of(labels.get(split), texts.get(split));
      double[] v = {p.accuracy(), p.precision(), p.recall(), p.f1(), p.yesRatio()};
      putPope(splits.putObject(split), v).put("questions", p.questions());
      for (int i = 0; i < v.length; i++) {
        sums[i] += v[i] / labels.size();
      }
    }
    putPope(scores.putObject("mean"), sums);
  }

  private static ObjectNode putPope(ObjectNode o, double[] v) {
    return o.put("accuracy", v[0])
        .put("precision", v[1])
        .put("recall", v[2])
        .put("f1", v[3])
        .put("yes_ratio", v[4]);
  }

  private static void vqa(
      Evaluation.Settings s, List<Evaluation.Answered> answers, ObjectNode scores) {
    ArrayNode submission = JsonInput.JSON.createArrayNode();
    for (Evaluation.Answered a : answers) {
      ObjectNode entry = submission.addObject();
      entry.set("question_id", a.question().id());
      entry.put("answer", VqaAccuracy.normalize(a.text()));
    }
    write(s.out().resolve("vqav2-submission.json"), submission);
    scores.put("submission", "vqav2-submission.json");
    if (s.annotations().isEmpty()) {
      return;
    }
    Path annotations = s.annotations().get();
    Map<String, List<String>> humans = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    JsonInput.forEach(
        annotations,
        "annotations",
        (i, l) -> {
          List<String> list = new ArrayList<>();
          JsonNode arr = l.field("answers");
          if (!arr.isArray() || arr.isEmpty()) {
            throw new EvalDataException(l.where() + ": field 'answers' must be a non-empty array");
          }
          for (int j = 0; j < arr.size(); j++) {
            JsonNode ans = arr.get(j).get("answer");
            if (ans == null || !ans.isTextual()) {
              throw new EvalDataException(l.where() + ": answers[" + j + "] has no text 'answer'");
            }
            list.add(ans.asText());
          }
          String id = l.text("question_id");
          humans.put(id, list);
          types.put(id, l.node().path("answer_type").asText("other"));
        },
        (name, value) -> {});
    double sum = 0;
    Map<String, double[]> byType = new LinkedHashMap<>();
    for (Evaluation.Answered a : answers) {
      String id = a.question().id().asText();
      List<String> h = humans.get(id);
      if (h == null) {
        throw new EvalDataException(
            annotations
                + ": no annotation for question_id "
                + id
                + " ("
                + a.question().where()
                + ")");
      }
      double acc = VqaAccuracy.of(a.text(), h);
      sum += acc;
      double[] t = byType.computeIfAbsent(types.get(id), k -> new double[2]);
      t[0] += acc;
      t[1]++;
    }
    scores.put("accuracy", 100 * sum / answers.size());
    ObjectNode per = scores.putObject("per_answer_type");
    byType.forEach((type, t) -> per.put(type, 100 * t[0] / t[1]));
  }

  private static void captions(
      Evaluation.Settings s, List<Evaluation.Answered> answers, ObjectNode scores) {
    ArrayNode results = JsonInput.JSON.createArrayNode();
    Map<Integer, String> candidates = new LinkedHashMap<>();
    for (Evaluation.Answered a : answers) {
      results.addObject().put("image_id", a.question().id().asInt()).put("caption", a.text());
      candidates.put(a.question().id().asInt(), PtbTokenizer.tokenize(a.text()));
    }
    write(s.out().resolve("captions-results.json"), results);
    scores.put("results", "captions-results.json");
    if (s.annotations().isEmpty()) {
      return;
    }
    Path annotations = s.annotations().get();
    Map<Integer, List<String>> refs = new HashMap<>();
    JsonInput.forEach(
        annotations,
        "annotations",
        (i, l) -> {
          int image = Math.toIntExact(QuestionFiles.number(l, "image_id"));
          if (candidates.containsKey(image)) {
            refs.computeIfAbsent(image, k -> new ArrayList<>())
                .add(PtbTokenizer.tokenize(l.text("caption")));
          }
        },
        (name, value) -> {});
    for (Evaluation.Answered a : answers) {
      if (!refs.containsKey(a.question().id().asInt())) {
        throw new EvalDataException(
            annotations
                + ": no caption for image_id "
                + a.question().id()
                + " ("
                + a.question().where()
                + ")");
      }
    }
    scores.put("CIDEr-D", CiderD.score(refs, candidates).score());
    double[] bleu = Bleu.score(refs, candidates);
    for (int n = 0; n < bleu.length; n++) {
      scores.put("BLEU-" + (n + 1), bleu[n]);
    }
  }

  private static void write(Path file, JsonNode node) {
    try {
      AtomicFiles.writeString(
          file, JsonInput.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
    } catch (IOException e) {
      throw new LntuneException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** Renames the complete {@code tmp} over {@code file} in one step. */
  static void replace(Path tmp, Path file) {
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new LntuneException(
          file + ": cannot replace it with " + tmp + ": " + e.getMessage(), e);
    }
  }
}
