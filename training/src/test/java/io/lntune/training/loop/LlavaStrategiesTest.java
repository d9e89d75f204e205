package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaInput;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.models.nn.Modules;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Torch;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every strategy on a tiny LLaVA: after training, each tensor outside the selection is
 * bit-identical to before and each inside has changed, and the selected components are those of
 * docs/MODELS.md's strategy table (vision tower never).
 */
class LlavaStrategiesTest {
  record Batch(Tensor ids, Tensor pixels) implements AutoCloseable {
    @Override
    public void close() {
      ids.close();
      pixels.close();
    }
  }

  static Iterator<Batch> data(long from) {
    return Endless.from(
        from,
        i -> {
          Random r = new Random(i);
          long[] ids = {
            1,
            LlavaConfig.IMAGE_TOKEN_INDEX,
            3 + r.nextInt(200),
            3 + r.nextInt(200),
            3 + r.nextInt(200)
          };
          try (TensorScope scope = TensorScope.open()) {
            Torch.seed(i);
            return new Batch(scope.keep(Tensor.create(ids, 1, 5)), scope.keep(randn(1, 3, 16, 16)));
          }
        });
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void onlyTheSelectionChanges(Strategy strategy) {
    LlavaModel model = TinyLlava.random(4);
    if (strategy == Strategy.LORA) {
      Lora.attach(
          model.languageModel().blockLinears(),
          new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS),
          1);
      try (NoGradGuard g = new NoGradGuard()) {
        Modules.namedParameters(model)
            .forEach(
                (k, v) -> {
                  if (k.endsWith("lora_B.weight")) {
                    v.fill_(new Scalar(0.01)); // so that A gets a gradient at the first step
                  }
                });
      }
    }
    Map<String, Tensor> before = new LinkedHashMap<>();
    try (NoGradGuard g = new NoGradGuard()) {
      Modules.namedParameters(model).forEach((k, v) -> before.put(k, v.clone()));
    }
    Selection selection = Selection.of(strategy);
    TrainableParameters t = TrainableParameters.select(model, selection, true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e-2, 0.0, t.all());
    TrainingTask<Batch> task =
        b ->
            model
                .forward(LlavaInput.of(b.ids()).withLabels(b.ids()).withPixels(b.pixels()))
                .loss()
                .orElseThrow();
    new Trainer<>(
            t,
            adam,
            task,
            new TrainerConfig(
                2,
                1,
                1.0,
                LrSchedule.constant(LrSchedule.Warmup.none()),
                NanPolicy.STOP,
                0,
                0,
                Optional.empty()),
            null,
            List.of())
        .run(LlavaStrategiesTest::data);
    try (TensorScope scope = TensorScope.open()) {
      Modules.namedParameters(model)
          .forEach(
              (name, now) -> {
                boolean same = now.equal(before.get(name));
                assertThat(same).as(strategy + " " + name).isEqualTo(!selection.trains(name));
                if (ParameterNames.VISION.test(name)) {
                  assertThat(same).as("the vision tower stays frozen").isTrue();
                }
              });
    }
    long connector = model.parameterCounts().projector();
    long embedAndHead = model.parameterCounts().embeddings() + model.parameterCounts().head();
    long norms = 2 * 2 * 64 + 64; // 2 blocks x 2 RMSNorms + the final norm, width 64
    long expected;
    switch (strategy) {
      case LAYERNORM:
        expected = norms + connector + embedAndHead;
        break;
      case LAYERNORM_SIMPLE:
        expected = norms;
        break;
      case CONNECTOR_ONLY:
        expected = connector;
        break;
      case LORA: // r=4 on q, o (64 -> 64), k, v (64 -> 32: 2 key/value heads of 16), gate, up (64
        // -> 128), down
        expected =
            2L * 4 * (2 * (64 + 64) + 2 * (64 + 32) + 3 * (64 + 128)) + connector + embedAndHead;
        break;
      default:
        expected = -1;
    }
    if (expected >= 0) {
      assertThat(t.trainableCount()).as(strategy + " trainable").isEqualTo(expected);
    }
    model.close();
  }
}
