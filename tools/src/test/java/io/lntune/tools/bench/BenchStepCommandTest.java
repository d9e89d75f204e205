package io.lntune.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.lntune.LayerNormTuner;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.tokenizer.Tokenizer;
import io.lntune.torch.DType;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.Trainable;
import io.lntune.training.run.FinetuningRun;
import io.lntune.training.run.RunDefaults;
import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchStepCommandTest {
  @TempDir Path dir;

  /**
   * The bench times the optimizer {@code fit()} runs: its LAYERNORM step on a bare LLaMA has the
   * groups that a tuner with every default gives the same LLaMA inside a LLaVA, by name, learning
   * rate, weight decay and parameters, all but the connector's (which a bare LLaMA does not have).
   */
  @Test
  void theLayerNormStepUsesTheOptimizerGroupsFitUses() throws Exception {
    Tokenizer tok =
        Tokenizer.load(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"));
    Path data = Files.writeString(dir.resolve("data.json"), "[]");
    try (LlamaModel bare = BenchModels.build(BenchSize.parse("tiny"), DType.F32, 1);
        LlavaModel llava = TinyLlava.random(1, tok.vocabSize() + 1)) {
      assertThat(llava.languageModel().config().withVocabSize(bare.config().vocabSize()))
          .isEqualTo(bare.config());
      AdamW bench =
          BenchStepCommand.setUp(bare, Strategy.LAYERNORM, RunDefaults.LORA.r()).optimizer();
      AdamW fit =
          new FinetuningRun(
                  LayerNormTuner.builder()
                      .model(llava)
                      .tokenizer(tok)
                      .trainData(data, dir)
                      .build()
                      .settings())
              .prepare()
              .optimizer();
      List<String> fitGroups =
          fit.groups().stream()
              .filter(g -> !g.name().startsWith("connector"))
              .map(BenchStepCommandTest::describe)
              .toList();
      assertThat(bench.groups())
          .extracting(BenchStepCommandTest::describe)
          .isEqualTo(fitGroups)
          .hasSize(2);
      assertThat(fitGroups.get(0))
          .startsWith("no_decay lr " + Strategy.LAYERNORM.defaultLearningRate() + " wd 0.0")
          .contains("model.layers.0.input_layernorm.weight");
      assertThat(fit.groups())
          .flatExtracting(AdamW.Group::params)
          .extracting(Trainable::name)
          .filteredOn(ParameterNames.CONNECTOR)
          .isNotEmpty();
    }
  }

  private static String describe(AdamW.Group g) {
    return g.name()
        + " lr "
        + g.learningRate()
        + " wd "
        + g.weightDecay()
        + " "
        + g.params().stream().map(Trainable::name).sorted().toList();
  }
}
