package io.lntune.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.models.llava.LlavaKeys;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Modules;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PeftNamesTest {
  /**
   * Every module name PEFT iterates over: each parameter's enclosing modules, in the layout's
   * names.
   */
  private static Set<String> modules(LlavaModel m, LlavaKeys.Layout layout) {
    Set<String> out = new TreeSet<>();
    for (String p : Modules.namedParameters(m).keySet()) {
      String key = LlavaKeys.toCheckpoint(p, layout);
      for (int dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
        out.add(key.substring(0, dot));
      }
    }
    return out;
  }

  @Test
  void loraTargetsAreTheLanguageModelsLinearsAndNoneOfClipsInEveryLayout() {
    LlavaModel m = ExportTest.base();
    Lora.attach(m.languageModel().blockLinears(), LoraConfig.defaults().withRank(2), 1);
    Pattern targets =
        Pattern.compile(PeftNames.loraTargetPattern(Modules.namedParameters(m).keySet()));
    for (LlavaKeys.Layout layout : LlavaKeys.Layout.values()) {
      Set<String> modules = modules(m, layout);
      Set<String> expected =
          m.languageModel().blockLinears().keySet().stream()
              .map(
                  k -> LlavaKeys.toCheckpoint(k + ".weight", layout).replaceFirst("\\.weight$", ""))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(expected)
          .hasSize(7 * m.config().text().numHiddenLayers())
          .allMatch(modules::contains);
      assertThat(modules.stream().filter(n -> targets.matcher(n).matches()))
          .as(layout.name())
          .containsExactlyInAnyOrderElementsOf(expected);
      // what a list of suffixes would also have adapted: CLIP's attention projections
      assertThat(modules)
          .as(layout.name())
          .anyMatch(n -> n.contains("vision_model.encoder.layers.0.self_attn.q_proj"));
    }
    m.close();
  }
}
