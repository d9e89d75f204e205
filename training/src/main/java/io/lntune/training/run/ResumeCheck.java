package io.lntune.training.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares the settings a checkpoint was trained with against a rerun's, so that a rerun never
 * resumes silently with other data, rates, batch or seed than the checkpoint beside it. Only the
 * settings that change what training computes are compared: not the checkpoint interval, the
 * workers, the device or the exports.
 *
 * <pre>{@code
 * List<String> diffs = ResumeCheck.differences(TrainingCheckpoints.config(last), settings.toJson(JSON));
 * }</pre>
 */
final class ResumeCheck {
  /**
   * The {@code run.json} fields that must agree for a resumed run to continue the same training.
   */
  static final List<String> COMPARED =
      List.of(
          "train_data",
          "train_data_bytes",
          "train_data_modified",
          "subset",
          "image_root",
          "selection",
          "lora",
          "template",
          "learning_rate",
          "connector_learning_rate",
          "weight_decay",
          "schedule",
          "batch_size",
          "gradient_accumulation",
          "max_steps",
          "max_grad_norm",
          "seed",
          "base_model",
          "model_dtype",
          "vocab_size",
          "image_tokens",
          "world_size");

  private ResumeCheck() {}

  /**
   * {@return one line per compared setting that differs: its name, the checkpoint's value and the
   * rerun's}
   */
  static List<String> differences(JsonNode checkpoint, JsonNode now) {
    List<String> out = new ArrayList<>();
    for (String field : COMPARED) {
      JsonNode was = checkpoint.path(field);
      JsonNode is = now.path(field);
      if (!same(was, is)) {
        out.add(field + ": checkpoint " + text(was) + ", now " + text(is));
      }
    }
    return out;
  }

  /** Numbers compare by value: a long written to state.json reads back as an int node. */
  private static boolean same(JsonNode a, JsonNode b) {
    return a.isNumber() && b.isNumber()
        ? a.decimalValue().compareTo(b.decimalValue()) == 0
        : a.equals(b);
  }

  private static String text(JsonNode n) {
    return n instanceof MissingNode ? "(not recorded)" : n.toString();
  }
}
