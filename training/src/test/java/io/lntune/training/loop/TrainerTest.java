package io.lntune.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.lntune.models.llama.LlamaConfigs;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Init;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.TensorScope;
import io.lntune.training.optim.AdamW;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.optim.TrainableParameters;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrainerTest {
  @TempDir Path dir;

  static LlamaModel tinyModel(DType dtype) {
    LlamaModel model = new LlamaModel(LlamaConfigs.tiny(), Placement.cpu(DType.F32));
    Init.normal(model, 0.1, 1);
    if (dtype != DType.F32) {
      model.to(dtype.scalarType(), false);
    }
    return model;
  }

  static TrainerConfig config(long steps, int accumulation) {
    return new TrainerConfig(
        steps,
        accumulation,
        1.0,
        LrSchedule.constant(LrSchedule.Warmup.none()),
        NanPolicy.STOP,
        2,
        0,
        Optional.empty());
  }

  static TrainingRun train(
      LlamaModel model,
      Selection selection,
      double lr,
      long steps,
      boolean fp32Masters,
      TrainerConfig config) {
    TrainableParameters trainables = TrainableParameters.select(model, selection, fp32Masters);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", lr, 0.0, trainables.all());
    Trainer<TextTask.Batch> trainer =
        new Trainer<>(
            trainables,
            adam,
            TextTask.loss(model),
            config,
            JsonNodeFactory.instance.objectNode().put("test", true),
            List.of());
    return trainer.run(from -> TextTask.data(5, from, 2, 12, 256));
  }

  static Map<String, Tensor> snapshot(LlamaModel model) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (NoGradGuard g = new NoGradGuard()) {
      Modules.namedParameters(model).forEach((k, v) -> out.put(k, v.clone()));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(
      value = Strategy.class,
      names = {"LAYERNORM", "LAYERNORM_SIMPLE", "ATTN_QV", "ATTN_MLP", "FULL", "LORA"})
  void onlySelectedTensorsChange(Strategy strategy) {
    LlamaModel model = tinyModel(DType.F32);
    if (strategy == Strategy.LORA) {
      Lora.attach(model.blockLinears(), new LoraConfig(4, 8, 0.0, LoraConfig.ALL_BLOCK_LINEARS), 3);
      try (NoGradGuard g =
          new NoGradGuard()) { // B starts at 0, which would leave A's gradient 0 at step 1
        Modules.namedParameters(model)
            .forEach(
                (k, v) -> {
                  if (k.endsWith("lora_B.weight")) {
                    v.fill_(new Scalar(0.01));
                  }
                });
      }
    }
    Map<String, Tensor> before = snapshot(model);
    Selection selection = Selection.of(strategy);
    train(model, selection, 1e-2, 3, true, config(3, 1));
    try (TensorScope scope = TensorScope.open()) {
      Modules.namedParameters(model)
          .forEach(
              (name, now) -> {
                boolean same = now.equal(before.get(name));
                if (selection.trains(name)) {
                  assertThat(same).as(strategy + ": trained " + name + " changed").isFalse();
                } else {
                  assertThat(same).as(strategy + ": frozen " + name + " is bit-identical").isTrue();
                }
              });
    }
    model.close();
  }

  /**
   * PEFT's LN-tuning benchmark scored 0.0 because bf16 weights swallowed the updates; fp32 masters
   * keep them.
   */
  @Test
  void fp32MastersLearnUnderBf16WhereBf16MastersStall() {
    LlamaModel withMasters = tinyModel(DType.BF16);
    LlamaModel without = tinyModel(DType.BF16);
    Selection norms = Selection.of(Strategy.LAYERNORM_SIMPLE);
    double start = heldOutLoss(withMasters);
    train(withMasters, norms, 1e-3, 40, true, config(40, 1));
    Map<String, Tensor> stalledBefore = snapshot(without);
    train(without, norms, 1e-3, 40, false, config(40, 1));
    double learned = heldOutLoss(withMasters);
    double stalled = heldOutLoss(without);
    System.out.printf(
        "bf16 model, 40 LAYERNORM_SIMPLE steps at lr 1e-3: held-out loss %.4f -> %.4f with fp32 "
            + "masters, -> %.4f with bf16 masters%n",
        start, learned, stalled);
    assertThat(start - learned).isGreaterThan(0.008);
    assertThat(stalled).as("bf16 masters: nothing learned").isEqualTo(start);
    try (TensorScope scope = TensorScope.open()) {
      assertThat(
              Modules.namedParameters(without)
                  .get("model.norm.weight")
                  .equal(stalledBefore.get("model.norm.weight")))
          .as("each bf16 update rounded away")
          .isTrue();
    }
    withMasters.close();
    without.close();
  }

  /** Mean token loss on a fixed batch the training never sees. */
  static double heldOutLoss(LlamaModel model) {
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard();
        TextTask.Batch batch = TextTask.data(999, 0, 8, 12, 256).next()) {
      CausalLmLoss.Result out = TextTask.loss(model).loss(batch);
      return out.sum().item_double() / out.tokens();
    }
  }

  @Test
  void accumulatingMicroBatchesEqualsOneBigBatch() {
    LlamaModel a = tinyModel(DType.F32);
    LlamaModel b = tinyModel(DType.F32);
    Selection s = Selection.of(Strategy.FULL);
    TrainableParameters ta = TrainableParameters.select(a, s, true);
    TrainableParameters tb = TrainableParameters.select(b, s, true);
    // eps 1 keeps Adam from turning rounding-level gradient differences into full-size updates
    AdamW oa = new AdamW(0.9, 0.999, 1.0);
    oa.addGroup("all", 1e-2, 0.0, ta.all());
    AdamW ob = new AdamW(0.9, 0.999, 1.0);
    ob.addGroup("all", 1e-2, 0.0, tb.all());
    TrainerConfig one = config(2, 1);
    TrainerConfig two = config(2, 2);
    // the same 4 sequences per step: one micro-batch of 4, or two of 2 (rows 0-1 and 2-3 of the
    // same data)
    new Trainer<>(ta, oa, TextTask.loss(a), one, null, List.of())
        .run(from -> TextTask.data(5, from, 4, 10, 256));
    new Trainer<>(tb, ob, TextTask.loss(b), two, null, List.<TrainingListener>of())
        .run(from -> splitRows(TextTask.data(5, from / 2, 4, 10, 256)));
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> pb = Modules.namedParameters(b);
      Modules.namedParameters(a)
          .forEach(
              (k, v) ->
                  assertThat(v.sub(pb.get(k)).abs().max().item_double()).as(k).isLessThan(1e-5));
    }
    a.close();
    b.close();
  }

  private static Iterator<TextTask.Batch> splitRows(Iterator<TextTask.Batch> whole) {
    return new Iterator<>() {
      TextTask.Batch pending;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public TextTask.Batch next() {
        if (pending != null) {
          TextTask.Batch out = pending;
          pending = null;
          return out;
        }
        try (TextTask.Batch b = whole.next()) {
          pending = new TextTask.Batch(b.ids().narrow(0, 2, 2).clone());
          return new TextTask.Batch(b.ids().narrow(0, 0, 2).clone());
        }
      }
    };
  }

  @Test
  void nonFiniteLossStopsOrSkipsNamingTheStep() {
    LlamaModel model = tinyModel(DType.F32);
    TrainableParameters t =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e-2, 0.0, t.all());
    TrainingTask<TextTask.Batch> healthy = TextTask.loss(model);
    int[] calls = {0};
    TrainingTask<TextTask.Batch> poisoned =
        batch -> {
          CausalLmLoss.Result out = healthy.loss(batch);
          return ++calls[0] == 2
              ? new CausalLmLoss.Result(out.sum().mul(new Scalar(Double.NaN)), out.tokens())
              : out;
        };
    TrainerConfig stop = config(4, 1);
    assertThatThrownBy(
            () ->
                new Trainer<>(t, adam, poisoned, stop, null, List.of())
                    .run(from -> TextTask.data(5, from, 2, 8, 256)))
        .isInstanceOfSatisfying(
            TrainingDivergedException.class, e -> assertThat(e.step()).isEqualTo(2))
        .hasMessageContaining("the loss at step 2 is not finite");

    calls[0] = 0;
    List<StepMetrics> seen = new ArrayList<>();
    TrainerConfig skip =
        new TrainerConfig(
            4,
            1,
            1.0,
            LrSchedule.constant(LrSchedule.Warmup.none()),
            NanPolicy.SKIP,
            0,
            0,
            Optional.empty());
    TrainingListener record =
        new TrainingListener() {
          @Override
          public void onStep(StepMetrics m) {
            seen.add(m);
          }
        };
    TrainingRun run =
        new Trainer<>(t, adam, poisoned, skip, null, List.of(record))
            .run(from -> TextTask.data(5, from, 2, 8, 256));
    assertThat(run.lastStep()).isEqualTo(4);
    assertThat(seen).extracting(StepMetrics::skipped).containsExactly(false, true, false, false);
    model.close();
  }

  @Test
  void anAbsurdLearningRateStopsTheRunInsteadOfTrainingGarbage() {
    LlamaModel model = tinyModel(DType.F32);
    TrainableParameters t =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e6, 0.0, t.all());
    assertThatThrownBy(
            () ->
                new Trainer<>(t, adam, TextTask.loss(model), config(40, 1), null, List.of())
                    .run(from -> TextTask.data(5, from, 2, 8, 256)))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("--nan-policy SKIP");
    model.close();
  }

  @Test
  void onlyTheNewestCheckpointsAreKeptWhenAsked() throws Exception {
    LlamaModel model = tinyModel(DType.F32);
    TrainableParameters t =
        TrainableParameters.select(model, Selection.of(Strategy.LAYERNORM_SIMPLE), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8);
    adam.addGroup("all", 1e-2, 0.0, t.all());
    Path out = dir.resolve("keep");
    TrainerConfig keepTwo =
        new TrainerConfig(
            5,
            1,
            1.0,
            LrSchedule.constant(LrSchedule.Warmup.none()),
            NanPolicy.STOP,
            1,
            0,
            Optional.of(out),
            2,
            0);
    new Trainer<>(t, adam, TextTask.loss(model), keepTwo, null, List.of())
        .run(from -> TextTask.data(5, from, 2, 8, 256));
    try (Stream<Path> left = Files.list(out)) {
      assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint-")))
          .containsExactlyInAnyOrder("checkpoint-000004", "checkpoint-000005");
    }
    model.close();
  }
}
