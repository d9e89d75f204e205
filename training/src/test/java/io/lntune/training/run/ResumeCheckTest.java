package io.lntune.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * Which settings stop a rerun from resuming, and how values compare once written to state.json and
 * read back.
 */
class ResumeCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void numbersCompareByValueAndOnlyComparedSettingsCount() throws Exception {
    ObjectNode now =
        JSON.createObjectNode()
            .put("max_steps", 30L)
            .put("learning_rate", 0.05)
            .put("seed", 42L)
            .put("workers", 4)
            .put("train_data", "data.json");
    ObjectNode saved =
        (ObjectNode) JSON.readTree(JSON.writeValueAsString(now)); // longs read back as ints
    saved.put("workers", 1);
    assertThat(ResumeCheck.differences(saved, now))
        .as("workers do not change what is computed")
        .isEmpty();
    saved.put("learning_rate", 0.1).remove("seed");
    assertThat(ResumeCheck.differences(saved, now))
        .containsExactly(
            "learning_rate: checkpoint 0.1, now 0.05", "seed: checkpoint (not recorded), now 42");
  }
}
