package io.lntune.tools;

import io.lntune.training.synth.SyntheticBenchmarks;
import io.lntune.training.synth.SyntheticWorld;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lntune synth --out DIR --images N}: the synthetic shapes world as PNGs and LLaVA JSON. */
@Command(
    name = "synth",
    mixinStandardHelpOptions = true,
    description = {
      "Generate the synthetic visual world: PNG pictures of coloured shapes on a 3x3 grid, stage1.json "
          + "(captions, for the plain template), stage2-train.json and the held-out stage2-eval.json "
          + "(question/answer conversations), stage2-instruct.json (conversation, detail and complex_reasoning "
          + "samples with a \"type\" field, for lntune train --subset), all in LLaVA's JSON format. The same seed gives "
          + "the same files.",
      "--benchmarks N also writes DIR/benchmarks: N pictures with MME, POPE, VQAv2, COCO and Flickr30k caption "
          + "files in the benchmarks' own formats, for lntune eval."
    })
final class SynthCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Where to write (created if needed).")
  Path out;

  @Option(names = "--images", required = true, paramLabel = "N", description = "How many pictures.")
  int images;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Random seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--size",
      defaultValue = "64",
      paramLabel = "PX",
      description = "Picture width and height in pixels. Default: ${DEFAULT-VALUE}.")
  int size;

  @Option(
      names = "--eval-fraction",
      defaultValue = "0.1",
      description = "Share of pictures held out for evaluation. Default: ${DEFAULT-VALUE}.")
  double evalFraction;

  @Option(
      names = "--benchmarks",
      paramLabel = "N",
      description = "Also write mini-benchmarks of N pictures to DIR/benchmarks.")
  Integer benchmarks;

  @Override
  public Integer call() {
    long start = System.nanoTime();
    SyntheticWorld.Summary s = new SyntheticWorld(images, seed, size, evalFraction).generate(out);
    spec.commandLine()
        .getOut()
        .printf(
            "%d pictures (%d for training, %d held out) in %.1f s%n%s%n%s%n%s%n%s%n",
            images,
            s.trainImages(),
            s.evalImages(),
            (System.nanoTime() - start) / 1e9,
            s.stage1(),
            s.stage2Train(),
            s.stage2Eval(),
            s.stage2Instruct());
    if (benchmarks != null) {
      Path dir =
          new SyntheticBenchmarks(benchmarks, seed + 1, size).write(out.resolve("benchmarks"));
      spec.commandLine()
          .getOut()
          .println(
              dir
                  + " (mme, pope, vqav2, coco, flickr30k; images in "
                  + dir.resolve("images")
                  + ")");
    }
    return 0;
  }
}
