package io.lntune.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.lntune.models.config.ConfigException;
import io.lntune.models.config.ConfigFile;
import io.lntune.torch.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shape of a LLaMA-family decoder, named after the fields of Hugging Face's {@code
 * config.json}.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.read(Path.of("/models/vicuna-7b-v1.5/config.json"));
 * LlamaConfig tiny = LlamaConfigs.tiny();
 * }</pre>
 *
 * @param hiddenSize model width D
 * @param intermediateSize width of the SwiGLU MLP
 * @param numHiddenLayers decoder layers
 * @param numAttentionHeads query heads
 * @param numKeyValueHeads key/value heads (grouped-query attention when fewer than the query heads)
 * @param rmsNormEps epsilon of every RMSNorm
 * @param ropeTheta rotary base frequency
 * @param ropeLinearFactor linear RoPE scaling factor (positions are divided by it); 1 for none
 * @param vocabSize embedding rows
 * @param maxPositionEmbeddings the longest sequence the model was trained for
 * @param tieWordEmbeddings whether the output head reuses {@code embed_tokens}
 * @param bosTokenId beginning-of-sequence id
 * @param eosTokenIds end-of-sequence ids (generation stops on any)
 * @param padTokenId padding id, -1 if the model has none
 * @param torchDtype the dtype the checkpoint was saved in, if stated
 */
public record LlamaConfig(
    long hiddenSize,
    long intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    double rmsNormEps,
    double ropeTheta,
    double ropeLinearFactor,
    long vocabSize,
    long maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    long bosTokenId,
    List<Long> eosTokenIds,
    long padTokenId,
    Optional<DType> torchDtype) {
  private static final String SILU = "silu";

  public LlamaConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("vocab_size", vocabSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (hiddenSize % numAttentionHeads != 0 || (hiddenSize / numAttentionHeads) % 2 != 0) {
      throw new ConfigException(
          "hidden_size "
              + hiddenSize
              + " must split into num_attention_heads "
              + numAttentionHeads
              + " heads of an even width (rotary embeddings rotate pairs)");
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new ConfigException(
          "num_attention_heads "
              + numAttentionHeads
              + " must be a multiple of "
              + "num_key_value_heads "
              + numKeyValueHeads);
    }
    if (!(rmsNormEps > 0)) {
      throw new ConfigException("rms_norm_eps must be > 0, got " + rmsNormEps);
    }
    if (!(ropeTheta > 0) || !(ropeLinearFactor >= 1)) {
      throw new ConfigException(
          "rope_theta must be > 0 and the linear rope factor >= 1, got "
              + ropeTheta
              + " and "
              + ropeLinearFactor);
    }
  }

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new ConfigException(field + " must be > 0, got " + value);
    }
  }

  /** {@return this config with {@code rows} embedding rows (after tokens were added)} */
  public LlamaConfig withVocabSize(long rows) {
    return new LlamaConfig(
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        rmsNormEps,
        ropeTheta,
        ropeLinearFactor,
        rows,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        bosTokenId,
        eosTokenIds,
        padTokenId,
        torchDtype);
  }

  /** {@return this config stating {@code dtype} as the dtype its checkpoint is saved in} */
  public LlamaConfig withTorchDtype(DType dtype) {
    return new LlamaConfig(
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        rmsNormEps,
        ropeTheta,
        ropeLinearFactor,
        vocabSize,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        bosTokenId,
        eosTokenIds,
        padTokenId,
        Optional.of(dtype));
  }

  /** {@return this config with {@code layers} decoder layers} */
  public LlamaConfig withNumHiddenLayers(int layers) {
    return new LlamaConfig(
        hiddenSize,
        intermediateSize,
        layers,
        numAttentionHeads,
        numKeyValueHeads,
        rmsNormEps,
        ropeTheta,
        ropeLinearFactor,
        vocabSize,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        bosTokenId,
        eosTokenIds,
        padTokenId,
        torchDtype);
  }

  /** {@return the width of one attention head} */
  public long headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /**
   * Reads a Hugging Face LLaMA {@code config.json}. Rotary settings come from {@code rope_theta}
   * and {@code rope_scaling} or from the newer {@code rope_parameters}; only linear scaling is
   * supported.
   *
   * @throws ConfigException naming the file and field that is missing or wrong
   */
  public static LlamaConfig read(Path configJson) {
    return from(ConfigFile.read(configJson));
  }

  /**
   * {@return the error for a model this config describes that cannot be allocated} A config.json
   * with an absurd size (hidden_size 10^12) fails in libtorch's allocator; this names the file and
   * the sizes instead.
   *
   * @param file the config.json this config came from
   * @param cause libtorch's failure
   */
  public ConfigException unallocatable(Path file, RuntimeException cause) {
    return new ConfigException(
        file,
        String.format(
            "the model it describes (hidden_size %,d, intermediate_size %,d, "
                + "%d layers, vocab_size %,d) cannot be allocated: %s",
            hiddenSize, intermediateSize, numHiddenLayers, vocabSize, cause.getMessage()),
        cause);
  }

  /** {@return the config held by {@code c}} @throws ConfigException naming the field at fault */
  public static LlamaConfig from(ConfigFile c) {
    double theta = c.optDouble("rope_theta").orElse(10000.0);
    double factor = 1.0;
    Optional<ConfigFile> rope =
        c.optSection("rope_parameters").or(() -> c.optSection("rope_scaling"));
    if (rope.isPresent()) {
      ConfigFile r = rope.get();
      theta = r.optDouble("rope_theta").orElse(theta);
      String type = r.optString("rope_type").or(() -> r.optString("type")).orElse("default");
      switch (type) {
        case "default":
          break;
        case "linear":
          factor =
              r.optDouble("factor")
                  .orElseThrow(() -> r.error("factor", "is required for linear scaling", null));
          break;
        default:
          throw r.error(
              "rope_type",
              "names a scaling lntune does not support (supported: default, linear)",
              new TextNode(type));
      }
    }
    String act = c.optString("hidden_act").orElse(SILU);
    if (!act.equals(SILU)) {
      throw c.error("hidden_act", "must be silu (LLaMA's SwiGLU MLP)", TextNode.valueOf(act));
    }
    int heads = c.requireInt("num_attention_heads", 1, Integer.MAX_VALUE);
    try {
      return new LlamaConfig(
          c.requireLong("hidden_size"),
          c.requireLong("intermediate_size"),
          c.requireInt("num_hidden_layers", 1, Integer.MAX_VALUE),
          heads,
          c.optInt("num_key_value_heads", 1, Integer.MAX_VALUE).orElse(heads),
          c.optDouble("rms_norm_eps").orElse(1e-6),
          theta,
          factor,
          c.requireLong("vocab_size"),
          c.optLong("max_position_embeddings").orElse(2048L),
          c.optBoolean("tie_word_embeddings").orElse(false),
          c.optLong("bos_token_id").orElse(1L),
          eosIds(c),
          c.optLong("pad_token_id").orElse(-1L),
          c.optString("torch_dtype").or(() -> c.optString("dtype")).map(s -> dtype(c, s)));
    } catch (ConfigException e) {
      throw new ConfigException(c + ": " + e.getMessage());
    }
  }

  private static List<Long> eosIds(ConfigFile c) {
    Optional<JsonNode> node = c.node("eos_token_id");
    if (node.isEmpty()) {
      return List.of(2L);
    }
    List<Long> ids = new ArrayList<>();
    if (node.get().isArray()) {
      node.get().forEach(n -> ids.add(n.asLong()));
    } else {
      ids.add(c.optLong("eos_token_id").orElseThrow());
    }
    return ids;
  }

  private static DType dtype(ConfigFile c, String name) {
    try {
      return DType.parse(name);
    } catch (IllegalArgumentException e) {
      throw c.error("torch_dtype", "is not a dtype lntune knows", new TextNode(name));
    }
  }
}
