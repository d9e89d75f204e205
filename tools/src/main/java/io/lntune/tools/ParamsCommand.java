package io.lntune.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lntune params}: parameter counts per component, trainable shares, memory, from a model on
 * meta.
 */
@Command(
    name = "params",
    mixinStandardHelpOptions = true,
    description = {
      "Print the parameter count of each component of a LLaVA model (vision tower, projector, decoder "
          + "blocks, embeddings, head) and the total; with --strategy, what that strategy trains in each component and "
          + "overall (a LoRA model's total includes its adapters, as the paper counts), and a memory estimate.",
      "The model is built on the meta device: no weights are read or allocated, so 13B takes a fraction of a second."
    })
final class ParamsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  static final class Source {
    @Option(
        names = "--preset",
        paramLabel = "NAME",
        description =
            "One of: llava-v1-llama2-7b, llava-v1-llama2-13b, "
                + "llava-v1-vicuna-7b, llava-v1-vicuna-13b, llava-v1.5-vicuna-7b, llava-v1.5-vicuna-13b, tiny.")
    String preset;

    @Option(
        names = "--model",
        converter = ModelPathConverter.class,
        paramLabel = "DIR|ID",
        description =
            "A LLaVA directory (original or llava-hf config.json), or model id in the Hugging Face cache.")
    Path model;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(
      names = "--strategy",
      paramLabel = "S",
      description =
          "LAYERNORM, LAYERNORM_SIMPLE, LORA, ATTN_QV, "
              + "ATTN_MLP, FULL or CONNECTOR_ONLY: also print what it trains.")
  String strategy;

  @Option(
      names = "--lora-r",
      defaultValue = "64",
      description = "LoRA rank for --strategy LORA. Default: ${DEFAULT-VALUE}.")
  int loraRank;

  @Option(
      names = "--dtype",
      defaultValue = "bf16",
      description =
          "Dtype of the frozen weights, for the memory " + "estimate. Default: ${DEFAULT-VALUE}.")
  String dtype;

  @Option(
      names = "--batch",
      defaultValue = "1",
      description =
          "Sequences per step, for the activation estimate. " + "Default: ${DEFAULT-VALUE}.")
  long batch;

  @Option(
      names = "--sequence",
      defaultValue = "2048",
      description =
          "Tokens per sequence (text and image tokens), "
              + "for the activation estimate. Default: ${DEFAULT-VALUE} (LLaVA's model_max_length).")
  long sequence;

  @Option(
      names = "--device",
      defaultValue = "cuda",
      description =
          "cuda or cpu, for the activation estimate: on "
              + "the CPU, bf16 attention runs in fp32. Default: "
              + "${DEFAULT-VALUE}.")
  String device;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    LlavaConfig config =
        source.preset != null ? LlavaConfigs.byName(source.preset) : LlavaConfig.read(source.model);
    String name = source.preset != null ? source.preset : source.model.toString();
    Optional<Selection> selection =
        Optional.ofNullable(strategy).map(s -> Selection.of(Strategy.parse(s)));
    ParameterBudget budget =
        ParameterBudget.of(
            config,
            DType.parse(dtype),
            selection,
            LoraConfig.defaults().withRank(loraRank),
            batch,
            sequence,
            strategy != null && cpu()); // the device matters only to a strategy's activations
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().writeValueAsString(asJson(name, config, budget)));
    } else {
      table(out, name, config, budget);
    }
    return 0;
  }

  /**
   * {@return whether {@code --device} is the CPU}
   *
   * @throws IllegalArgumentException for the meta device or an unknown one
   */
  private boolean cpu() {
    Device.Kind kind = Device.parse(device).kind();
    if (kind == Device.Kind.META) {
      throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
    }
    return kind == Device.Kind.CPU;
  }

  private void table(PrintWriter out, String name, LlavaConfig config, ParameterBudget budget) {
    long total = budget.total();
    long trainable = budget.trainable();
    out.printf(
        "%s: %d image tokens of width %d, %s projector; counted on the meta device%n",
        name, config.imageTokens(), config.vision().hiddenSize(), config.projectorType().name());
    String header = strategy == null ? "" : String.format("  %16s  %8s", "trainable", "share");
    out.printf("  %-16s %16s  %7s%s%n", "component", "parameters", "of all", header);
    budget
        .components()
        .forEach(
            (k, c) ->
                out.printf(
                    "  %-16s %,16d  %6.2f%%%s%n",
                    k,
                    c.total(),
                    100.0 * c.total() / total,
                    strategy == null
                        ? ""
                        : String.format(
                            "  %,16d  %7.3f%%",
                            c.trainable(),
                            c.total() == 0 ? 0.0 : 100.0 * c.trainable() / c.total())));
    out.printf("  %-16s %,16d%n", "total", total);
    if (strategy != null) {
      out.printf(
          "%s trains %,d of %,d parameters: %.4f%% (%.2f%%)%n",
          strategy.toUpperCase(Locale.ROOT),
          trainable,
          total,
          100.0 * trainable / total,
          100.0 * trainable / total);
      out.println(
          "memory estimate: "
              + budget.memory().format(batch + " x " + sequence + " tokens on " + device));
    }
  }

  private ObjectNode asJson(String name, LlavaConfig config, ParameterBudget budget) {
    long total = budget.total();
    long trainable = budget.trainable();
    ObjectMapper m = new ObjectMapper();
    ObjectNode root =
        m.createObjectNode()
            .put("model", name)
            .put("strategy", strategy)
            .put("total", total)
            .put("trainable", trainable)
            .put("trainable_percent", 100.0 * trainable / total)
            .put("image_tokens", config.imageTokens());
    ObjectNode components = root.putObject("components");
    budget
        .components()
        .forEach(
            (k, c) ->
                components.putObject(k).put("total", c.total()).put("trainable", c.trainable()));
    budget
        .memory()
        .into(
            root.putObject("memory_bytes")
                .put("batch", batch)
                .put("sequence", sequence)
                .put("device", device));
    return root;
  }
}
