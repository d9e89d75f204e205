package io.lntune.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.llava.LlavaConfig;
import io.lntune.models.llava.LlavaConfigs;
import io.lntune.models.llava.LlavaModel;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Placement;
import io.lntune.torch.DType;
import io.lntune.torch.Device;
import io.lntune.training.strategy.Lora;
import io.lntune.training.strategy.LoraConfig;
import io.lntune.training.strategy.ParameterNames;
import io.lntune.training.strategy.Selection;
import io.lntune.training.strategy.Strategy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Tensor;
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
              + "the CPU, bf16 attention runs in fp32 and LoRA's dropout keeps an fp32 noise tensor. Default: "
              + "${DEFAULT-VALUE}.")
  String device;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  private static final Map<String, Predicate<String>> COMPONENTS = new LinkedHashMap<>();

  static {
    COMPONENTS.put("vision_tower", ParameterNames.VISION);
    COMPONENTS.put("projector", ParameterNames.CONNECTOR);
    COMPONENTS.put("embeddings", ParameterNames.EMBEDDINGS);
    COMPONENTS.put("lm_head", ParameterNames.HEAD);
    COMPONENTS.put("decoder_blocks", n -> true); // everything else: blocks, norms, adapters
  }

  @Override
  public Integer call() throws Exception {
    LlavaConfig config =
        source.preset != null ? LlavaConfigs.byName(source.preset) : LlavaConfig.read(source.model);
    String name = source.preset != null ? source.preset : source.model.toString();
    DType weights = DType.parse(dtype);
    LlavaModel model = new LlavaModel(config, Placement.meta(weights));
    Selection selection = strategy == null ? null : Selection.of(Strategy.parse(strategy));
    LoraConfig lora =
        selection != null && selection.is(Strategy.LORA)
            ? LoraConfig.defaults().withRank(loraRank)
            : null;
    if (lora != null) {
      Lora.attach(model.languageModel().blockLinears(), lora, 0);
    }
    Map<String, long[]> counts = new LinkedHashMap<>(); // component -> {total, trainable}
    COMPONENTS.keySet().forEach(k -> counts.put(k, new long[2]));
    for (Map.Entry<String, Tensor> e : Modules.namedParameters(model).entrySet()) {
      String component =
          COMPONENTS.entrySet().stream()
              .filter(c -> c.getValue().test(e.getKey()))
              .findFirst()
              .orElseThrow()
              .getKey();
      long n = e.getValue().numel();
      counts.get(component)[0] += n;
      if (selection != null && selection.trains(e.getKey())) {
        counts.get(component)[1] += n;
      }
    }
    model.close();
    long total = counts.values().stream().mapToLong(c -> c[0]).sum();
    long trainable = counts.values().stream().mapToLong(c -> c[1]).sum();
    MemoryEstimate memory =
        MemoryEstimate.of(
            total,
            trainable,
            weights,
            activations(config, weights, selection, lora, counts, false),
            activations(config, weights, selection, lora, counts, true));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          new ObjectMapper()
              .writeValueAsString(asJson(name, config, counts, total, trainable, memory)));
    } else {
      table(out, name, config, counts, total, trainable, memory);
    }
    return 0;
  }

  /**
   * {@return the activation memory of a training step of {@code selection}, 0 without one} The
   * decoder's input needs a gradient when the token embeddings or the connector (which makes the
   * image tokens) train.
   */
  private long activations(
      LlavaConfig config,
      DType weights,
      Selection selection,
      LoraConfig lora,
      Map<String, long[]> counts,
      boolean recompute) {
    if (selection == null) {
      return 0;
    }
    boolean embedsNeedGrad = counts.get("embeddings")[1] > 0 || counts.get("projector")[1] > 0;
    return ActivationMemory.bytes(
        config.text(),
        weights,
        cpu(),
        selection::trains,
        lora,
        embedsNeedGrad,
        batch,
        sequence,
        recompute);
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

  private void table(
      PrintWriter out,
      String name,
      LlavaConfig config,
      Map<String, long[]> counts,
      long total,
      long trainable,
      MemoryEstimate memory) {
    out.printf(
        "%s: %d image tokens of width %d, %s projector; counted on the meta device%n",
        name, config.imageTokens(), config.vision().hiddenSize(), config.projectorType().name());
    String header = strategy == null ? "" : String.format("  %16s  %8s", "trainable", "share");
    out.printf("  %-16s %16s  %7s%s%n", "component", "parameters", "of all", header);
    counts.forEach(
        (k, c) ->
            out.printf(
                "  %-16s %,16d  %6.2f%%%s%n",
                k,
                c[0],
                100.0 * c[0] / total,
                strategy == null
                    ? ""
                    : String.format(
                        "  %,16d  %7.3f%%", c[1], c[0] == 0 ? 0.0 : 100.0 * c[1] / c[0])));
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
          "memory estimate: " + memory.format(batch + " x " + sequence + " tokens on " + device));
    }
  }

  private ObjectNode asJson(
      String name,
      LlavaConfig config,
      Map<String, long[]> counts,
      long total,
      long trainable,
      MemoryEstimate memory) {
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
    counts.forEach((k, c) -> components.putObject(k).put("total", c[0]).put("trainable", c[1]));
    memory.into(
        root.putObject("memory_bytes")
            .put("batch", batch)
            .put("sequence", sequence)
            .put("device", device));
    return root;
  }
}
