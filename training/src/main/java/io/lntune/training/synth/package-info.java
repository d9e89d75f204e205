/**
 * The synthetic visual world of the tests and the demo: {@link io.lntune.training.synth.Scene}s of
 * coloured shapes on a 3 x 3 grid, drawn by {@link io.lntune.training.synth.SceneRenderer},
 * described by {@link io.lntune.training.synth.SceneText} and written as PNG plus LLaVA JSON by
 * {@link io.lntune.training.synth.SyntheticWorld}; {@link
 * io.lntune.training.synth.SyntheticBenchmarks} writes mini-benchmarks of it in the formats of MME,
 * POPE, VQAv2 and the COCO and Flickr30k captions.
 */
package io.lntune.training.synth;
