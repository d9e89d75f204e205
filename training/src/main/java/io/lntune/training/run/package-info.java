/**
 * One finetuning run, assembled once. {@link io.lntune.training.run.FinetuningRun} takes {@link
 * io.lntune.training.run.RunSettings} (every default from {@link
 * io.lntune.training.run.RunDefaults}), readies the model ({@link
 * io.lntune.training.run.Preparation}: LoRA's adapters, the trainable parameters), groups AdamW
 * ({@link io.lntune.training.optim.OptimizerGroups}), trains on epoch after epoch of the data, and
 * writes {@code run.json} and the exports; {@link io.lntune.training.run.TuningResult} says what it
 * did. The facade {@code LayerNormTuner}, {@code lntune train}, {@code lntune bench} and the demo
 * all train through these parts.
 */
package io.lntune.training.run;
