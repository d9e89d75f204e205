package io.lntune.it;

import io.lntune.models.llava.TinyLlava;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A tiny LLaVA directory with the LLaMA tokenizer (a test asset) and a synthetic world to train it
 * on.
 */
record TinyRun(Path model, Path data, Path imageRoot, Path evalData) {

  static TinyRun create(Path dir) throws IOException {
    Path model = TinyLlava.withLlamaTokenizer(dir);
    SyntheticWorld.Summary world =
        new SyntheticWorld(24, 5, 16, 0.25).generate(dir.resolve("world"));
    return new TinyRun(model, world.stage2Train(), world.imageRoot(), world.stage2Eval());
  }
}
