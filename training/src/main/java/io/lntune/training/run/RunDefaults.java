package io.lntune.training.run;

import io.lntune.training.data.Subset;
import io.lntune.training.export.MergedLayout;
import io.lntune.training.loop.NanPolicy;
import io.lntune.training.loop.TrainerConfig;
import io.lntune.training.optim.LrSchedule;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.util.Optional;

/**
 * The value of every finetuning setting that is not given: the one table that {@code
 * LayerNormTuner.builder()}, {@code lntune train}, {@code lntune bench} and the demo all read, so
 * that they cannot drift apart.
 *
 * <pre>{@code
 * int batchSize = given != null ? given : RunDefaults.BATCH_SIZE;
 * double lr = RunDefaults.learningRate(selection);     // the strategy's own
 * }</pre>
 */
public final class RunDefaults {
  /** What trains: the LayerNorms in the attention blocks, the paper's method. */
  public static final Strategy STRATEGY = Strategy.LAYERNORM;

  /** LoRA's rank, scale, dropout and targets, for {@link Strategy#LORA}: LLaVA's. */
  public static final LoraConfig LORA = LoraConfig.defaults();

  /** AdamW's decoupled weight decay of matrices: none, as LLaVA's scripts. */
  public static final double WEIGHT_DECAY = 0.0;

  /** The learning-rate schedule's name: cosine, as LLaVA's scripts. */
  public static final String SCHEDULE = "cosine";

  /** The share of the steps the learning rate warms up over: LLaVA's 3%. */
  public static final double WARMUP_RATIO = 0.03;

  /** Samples per micro-batch. */
  public static final int BATCH_SIZE = 4;

  /** Micro-batches per optimizer step. */
  public static final int GRADIENT_ACCUMULATION = 1;

  /** Optimizer steps; 0 for one epoch of the data. */
  public static final long MAX_STEPS = 0;

  /** The global gradient norm gradients are clipped to. */
  public static final double MAX_GRAD_NORM = 1.0;

  /** The seed of the data order, the subset's draw and LoRA's initialisation. */
  public static final long SEED = 42;

  /** Steps between checkpoints; 0 for a checkpoint at the end only. */
  public static final long CHECKPOINT_EVERY = 0;

  /** How many of the newest checkpoints to keep; 0 keeps all. */
  public static final int KEEP_CHECKPOINTS = 0;

  /** Steps between measurements of the gradients' statistics; 0 for none. */
  public static final long GRADIENT_STATS_EVERY = 0;

  /** What a NaN or infinite loss does. */
  public static final NanPolicy NAN_POLICY = NanPolicy.STOP;

  /** Data worker threads. */
  public static final int WORKERS = 2;

  /** The base model's name recorded in exports. */
  public static final String BASE_MODEL_NAME = "unknown";

  /** The merged checkpoint's layout, when one is asked for. */
  public static final MergedLayout EXPORT_FORMAT = MergedLayout.ORIGINAL;

  /** Whether decoder layers are recomputed in the backward pass. */
  public static final boolean ACTIVATION_RECOMPUTATION = false;

  /** Whether a rerun resumes from a checkpoint trained with other settings. */
  public static final boolean RESUME_ANYWAY = false;

  /** Which samples of the data train: all. */
  public static final Subset SUBSET = Subset.all();

  private RunDefaults() {}

  /** {@return {@link #SCHEDULE} with {@link #WARMUP_RATIO} of warm-up} */
  public static LrSchedule schedule() {
    return LrSchedule.parse(SCHEDULE, LrSchedule.Warmup.ratio(WARMUP_RATIO));
  }

  /** {@return the strategy's own peak learning rate; {@link #STRATEGY}'s for a custom selection} */
  public static double learningRate(Selection selection) {
    return selection.strategy().orElse(STRATEGY).defaultLearningRate();
  }

  /**
   * {@return the conversation template: {@code plain} for stage 1's captions (CONNECTOR_ONLY), else
   * vicuna_v1}
   */
  public static String template(Selection selection) {
    return selection.is(Strategy.CONNECTOR_ONLY) ? "plain" : "vicuna_v1";
  }

  /**
   * {@return how a run of {@code steps} without an output directory trains: a step per micro-batch,
   * clipped at {@link #MAX_GRAD_NORM}, {@link #NAN_POLICY}, no checkpoints, no evaluation} For runs
   * outside {@link FinetuningRun}: the bench and the demo's pretraining.
   */
  public static TrainerConfig trainer(long steps, LrSchedule schedule) {
    return new TrainerConfig(
        steps,
        GRADIENT_ACCUMULATION,
        MAX_GRAD_NORM,
        schedule,
        NAN_POLICY,
        CHECKPOINT_EVERY,
        0,
        Optional.empty());
  }
}
