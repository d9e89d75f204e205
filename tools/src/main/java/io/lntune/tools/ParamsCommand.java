package io.lntune.tools;

import io.lntune.models.llava.ComponentCounts;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lntune params}: parameter counts per component, from a model built on the meta device. */
@Command(
    name = "params",
    mixinStandardHelpOptions = true,
    description = "Print the parameter count of each component of a LLaVA model (vision tower, projector, decoder "
        + "blocks, embeddings, head) and the total. The model is built on the meta device: no weights are read or "
        + "allocated, so a 13B model takes a fraction of a second.")
final class ParamsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  static final class Source {
    @Option(names = "--preset", paramLabel = "NAME", description = "One of: llava-v1-llama2-7b, llava-v1-llama2-13b, "
        + "llava-v1-vicuna-7b, llava-v1-vicuna-13b, llava-v1.5-vicuna-7b, llava-v1.5-vicuna-13b, tiny.")
    String preset;

    @Option(names = "--model", paramLabel = "DIR", description = "A LLaVA directory (original or llava-hf config.json).")
    Path model;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Override
  public Integer call() {
    LlavaConfig config = source.preset != null ? LlavaConfigs.byName(source.preset) : LlavaConfig.read(source.model);
    String name = source.preset != null ? source.preset : source.model.toString();
    LlavaModel model = new LlavaModel(config, Placement.meta(DType.F16));
    ComponentCounts c = model.parameterCounts();
    model.close();
    Map<String, Long> rows = new LinkedHashMap<>();
    rows.put("vision tower", c.vision());
    rows.put("projector (" + config.projectorType().name() + ")", c.projector());
    rows.put("decoder blocks + final norm", c.blocks());
    rows.put("embeddings", c.embeddings());
    rows.put("lm_head", c.head());
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%s: %d image tokens of width %d; counted on the meta device%n", name, config.imageTokens(),
        config.vision().hiddenSize());
    rows.forEach((k, v) -> out.printf("  %-30s %,16d  %6.2f%%%n", k, v, 100.0 * v / c.total()));
    out.printf("  %-30s %,16d%n", "language model", c.languageModel());
    out.printf("  %-30s %,16d%n", "total", c.total());
    return 0;
  }
}
