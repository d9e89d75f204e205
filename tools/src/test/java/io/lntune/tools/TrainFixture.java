package io.lntune.tools;

import io.lntune.models.llava.TinyLlava;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * What {@code lntune train} needs in the command tests: a tiny LLaVA directory with the LLaMA
 * tokenizer, and the synthetic world's stage-2 data and images.
 */
record TrainFixture(Path model, Path data, Path images) {
  static TrainFixture create(Path dir) throws Exception {
    Path model = TinyLlava.withLlamaTokenizer(dir);
    SyntheticWorld.Summary world =
        new SyntheticWorld(16, 5, 16, 0.25).generate(dir.resolve("world"));
    return new TrainFixture(model, world.stage2Train(), world.imageRoot());
  }

  /** {@return {@code train} on this model and data, then {@code more}} */
  String[] train(String... more) {
    return Stream.concat(
            Stream.of(
                "train",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--image-root",
                images.toString()),
            Arrays.stream(more))
        .toArray(String[]::new);
  }
}
