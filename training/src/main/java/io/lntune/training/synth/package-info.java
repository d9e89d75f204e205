/**
 * The synthetic visual world of the tests and the demo: {@link io.lntune.training.synth.Scene}s of coloured shapes
 * on a 3 x 3 grid, drawn by {@link io.lntune.training.synth.SceneRenderer}, described by
 * {@link io.lntune.training.synth.SceneText} and written as PNG plus LLaVA JSON by
 * {@link io.lntune.training.synth.SyntheticWorld}.
 */
package io.lntune.training.synth;
