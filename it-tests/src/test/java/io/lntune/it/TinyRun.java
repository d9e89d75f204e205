package io.lntune.it;

import io.lntune.models.llava.LlavaModel;
import io.lntune.models.llava.TinyLlava;
import io.lntune.training.synth.SyntheticWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny LLaVA directory with the LLaMA tokenizer (a test asset) and a synthetic world to train it on. */
record TinyRun(Path model, Path data, Path imageRoot, Path evalData) {

  static TinyRun create(Path dir) throws IOException {
    Path model = dir.resolve("tiny-llava");
    LlavaModel llava = TinyLlava.random(2, 32001);
    TinyLlava.original(llava, model, true);
    llava.close();
    Files.copy(Path.of(System.getProperty("lntune.testdata"), "llama-tokenizer.model"), model.resolve("tokenizer.model"));
    SyntheticWorld.Summary world = new SyntheticWorld(24, 5, 16, 0.25).generate(dir.resolve("world"));
    return new TinyRun(model, world.stage2Train(), world.imageRoot(), world.stage2Eval());
  }
}
