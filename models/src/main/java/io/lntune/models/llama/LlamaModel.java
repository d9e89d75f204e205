package io.lntune.models.llama;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.linear;

import io.lntune.models.EmbeddingRows;
import io.lntune.models.load.KeyMap;
import io.lntune.models.load.StateDictLoader;
import io.lntune.models.nn.Embedding;
import io.lntune.models.nn.Linear;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Namespace;
import io.lntune.models.nn.Placement;
import io.lntune.models.nn.RmsNorm;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import io.lntune.torch.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ObjIntConsumer;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LLaMA-family causal language model (LLaMA, LLaMA-2, Vicuna), laid out as Hugging Face's {@code
 * LlamaForCausalLM}: {@code named_parameters()} equals the checkpoint's keys ({@code
 * model.embed_tokens}, {@code model.layers.N.self_attn.q_proj}, ..., {@code model.norm}, {@code
 * lm_head}; no {@code lm_head} when the head is tied to the embeddings).
 *
 * <pre>{@code
 * LlamaModel model = LlamaModel.load(Path.of("/models/vicuna-7b-v1.5"), Placement.cpu(DType.BF16));
 * try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
 *   Tensor logits = model.forward(ids);                    // ids [B, T] int64 → [B, T, vocab]
 * }
 * var planning = new LlamaModel(LlamaConfigs.llama2_13b(), Placement.meta(DType.F16));   // no memory
 * }</pre>
 *
 * <p>Weights start frozen. Build and load outside any {@code TensorScope}; close the model to free
 * its weights.
 */
public final class LlamaModel extends Module {
  private static final Logger log = LoggerFactory.getLogger(LlamaModel.class);

  private LlamaConfig config; // replaced when the vocabulary grows
  private final Placement placement;
  private final Namespace decoder; // the "model" namespace: embed_tokens, layers, norm
  private final Embedding embedTokens;
  private final List<LlamaDecoderLayer> layers = new ArrayList<>();
  private final RmsNorm norm;
  private final Linear lmHead; // null when tied
  private final RotaryEmbedding rope;

  public LlamaModel(LlamaConfig config, Placement placement) {
    super("LlamaModel");
    this.config = config;
    this.placement = placement.allocating(); // a KV cache made later needs real storage
    Namespace model = register_module("model", new Namespace("LlamaDecoder"));
    decoder = model;
    embedTokens =
        model.add(
            "embed_tokens", new Embedding(config.vocabSize(), config.hiddenSize(), placement));
    Namespace stack = model.add("layers", new Namespace("Layers"));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(stack.add(Integer.toString(i), new LlamaDecoderLayer(config, placement)));
    }
    norm = model.add("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps(), placement));
    lmHead =
        config.tieWordEmbeddings()
            ? null
            : register_module(
                "lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false, placement));
    rope = new RotaryEmbedding(config, placement);
  }

  /**
   * Loads a Hugging Face model directory ({@code config.json} plus {@code model.safetensors} or
   * {@code pytorch_model.bin}, or shards with their index; see {@link Checkpoint#open}). Weights
   * stored in {@code placement}'s dtype stay memory-mapped, without a copy, on the CPU.
   *
   * @throws io.lntune.models.config.ConfigException if config.json is missing or wrong
   * @throws io.lntune.models.load.StateDictMismatchException listing every missing, unexpected or
   *     mis-shaped key
   */
  public static LlamaModel load(Path dir, Placement placement) {
    LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
    LlamaModel model;
    try (Checkpoint ckpt = Checkpoint.open(dir)) {
      model = load(config, ckpt, placement); // placeholders: building allocates nothing to fail
    }
    log.info(
        "loaded {} ({} layers, {} parameters) as {} on {}",
        dir,
        config.numHiddenLayers(),
        String.format("%,d", model.parameterCount()),
        placement.dtype(),
        placement.device());
    return model;
  }

  /**
   * {@return a model of {@code config} with every weight from {@code ckpt}, under Hugging Face's
   * names} Built with {@link Placement#forLoading()}: no weight is allocated only to be replaced.
   *
   * @throws io.lntune.models.load.StateDictMismatchException listing every missing, unexpected or
   *     mis-shaped key
   */
  public static LlamaModel load(LlamaConfig config, Checkpoint ckpt, Placement placement) {
    LlamaModel model = new LlamaModel(config, placement.forLoading());
    try {
      model.load(ckpt, KeyMap.identity());
    } catch (RuntimeException e) {
      model.close(); // nothing else holds it
      throw e;
    }
    return model;
  }

  /**
   * Loads this model's weights from {@code ckpt} under {@code keys} (LLaVA layouts prefix them).
   */
  public void load(Checkpoint ckpt, KeyMap keys) {
    KeyMap map = keys.ignoring(".*rotary_emb\\.inv_freq");
    if (config.tieWordEmbeddings()) {
      map =
          map.ignoring(
              ".*lm_head\\.weight"); // some exports of tied models still carry a copy of the head
    }
    StateDictLoader.load(this, ckpt, map, placement);
  }

  public LlamaConfig config() {
    return config;
  }

  public Placement placement() {
    return placement;
  }

  /**
   * Grows the embeddings (and an untied head) to {@code rows}, for tokens added to the tokenizer
   * such as {@code <im_start>}, {@code <im_end>} or {@code [PAD]}: new rows are the mean of the old
   * ones, as LLaVA does.
   *
   * @throws IllegalArgumentException if {@code rows} is below the current vocabulary
   */
  public void resizeVocabulary(long rows) {
    if (rows == config.vocabSize()) {
      return;
    }
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      embedTokens.weight().set_data(EmbeddingRows.grow(embedTokens.weight(), rows));
      if (lmHead != null) {
        lmHead.weight().set_data(EmbeddingRows.grow(lmHead.weight(), rows));
      }
    }
    config = config.withVocabSize(rows);
  }

  /** {@return the number of parameter elements} */
  public long parameterCount() {
    return Modules.parameterCount(this);
  }

  public Embedding embedTokens() {
    return embedTokens;
  }

  /**
   * {@return the {@code model} module (embed_tokens, layers, norm)} A composite model such as LLaVA
   * registers it, and {@link #lmHead()}, under its own root, so that the checkpoint's names carry
   * over; modules it adds inside (LLaVA's {@code mm_projector}) then appear in this model's
   * parameters too.
   */
  public Namespace decoder() {
    return decoder;
  }

  /** {@return the output head, or null when it is tied to the embeddings} */
  public Linear lmHead() {
    return lmHead;
  }

  /**
   * {@return every linear layer inside the decoder blocks by module name, e.g. {@code
   * model.layers.0.self_attn.q_proj} (the targets adapters such as LoRA attach to)}
   */
  public Map<String, Linear> blockLinears() {
    Map<String, Linear> out = new LinkedHashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      String p = "model.layers." + i + ".";
      LlamaDecoderLayer l = layers.get(i);
      out.put(p + "self_attn.q_proj", l.selfAttn.qProj);
      out.put(p + "self_attn.k_proj", l.selfAttn.kProj);
      out.put(p + "self_attn.v_proj", l.selfAttn.vProj);
      out.put(p + "self_attn.o_proj", l.selfAttn.oProj);
      out.put(p + "mlp.gate_proj", l.mlp.gateProj);
      out.put(p + "mlp.up_proj", l.mlp.upProj);
      out.put(p + "mlp.down_proj", l.mlp.downProj);
    }
    return out;
  }

  /** {@return logits [B, T, vocab] for {@code ids} [B, T], no padding, no cache} */
  public Tensor forward(Tensor ids) {
    return forward(ids, LayerRunner.SEQUENTIAL);
  }

  /**
   * {@return logits [B, T, vocab] for {@code ids} [B, T], no padding, the decoder layers run by
   * {@code layers}}
   */
  public Tensor forward(Tensor ids, LayerRunner layers) {
    return logits(hiddenStates(embed(ids), layers));
  }

  /** {@return token embeddings [B, T, D] of {@code ids} [B, T]} */
  public Tensor embed(Tensor ids) {
    return Torch.call(
        () -> "embedding ids " + Tensors.shape(ids) + " (vocab " + config.vocabSize() + ")",
        () -> embedTokens.forward(ids));
  }

  /**
   * Runs the decoder over input embeddings (token embeddings, or a LLaVA sequence with image
   * features spliced in), nothing padded.
   *
   * @param inputsEmbeds [B, T, D]
   * @return the last hidden state after the final norm, [B, T, D]
   */
  public Tensor hiddenStates(Tensor inputsEmbeds) {
    return decode(inputsEmbeds, null, null, LayerRunner.SEQUENTIAL);
  }

  /**
   * Runs the decoder over input embeddings, some positions padded.
   *
   * @param inputsEmbeds [B, T, D]
   * @param padding [B, T] with 1 for real tokens and 0 for padding (left or right)
   * @return the last hidden state after the final norm, [B, T, D]
   */
  public Tensor hiddenStates(Tensor inputsEmbeds, Tensor padding) {
    return decode(
        inputsEmbeds, Objects.requireNonNull(padding, "padding"), null, LayerRunner.SEQUENTIAL);
  }

  /**
   * Runs the decoder over input embeddings, nothing padded, with its layers run by {@code layers}
   * (training's activation recomputation).
   *
   * @param inputsEmbeds [B, T, D]
   * @param layers runs the decoder layers
   * @return the last hidden state after the final norm, [B, T, D]
   */
  public Tensor hiddenStates(Tensor inputsEmbeds, LayerRunner layers) {
    return decode(inputsEmbeds, null, null, layers);
  }

  /**
   * Runs the decoder over input embeddings, some positions padded, with its layers run by {@code
   * layers}.
   *
   * @param inputsEmbeds [B, T, D]
   * @param padding [B, T] with 1 for real tokens and 0 for padding (left or right)
   * @param layers runs the decoder layers
   * @return the last hidden state after the final norm, [B, T, D]
   */
  public Tensor hiddenStates(Tensor inputsEmbeds, Tensor padding, LayerRunner layers) {
    return decode(inputsEmbeds, Objects.requireNonNull(padding, "padding"), null, layers);
  }

  /**
   * Runs the decoder over the next tokens' embeddings after those in {@code cache}, nothing padded,
   * and adds their keys and values to it.
   *
   * @param inputsEmbeds [B, T, D]
   * @param cache the KV cache to read and extend
   * @return the last hidden state after the final norm, [B, T, D]
   */
  public Tensor hiddenStates(Tensor inputsEmbeds, KvCache cache) {
    return decode(
        inputsEmbeds, null, Objects.requireNonNull(cache, "cache"), LayerRunner.SEQUENTIAL);
  }

  /**
   * Runs the decoder over the next tokens' embeddings after those in {@code cache}, some positions
   * padded, and adds their keys and values to it.
   *
   * @param inputsEmbeds [B, T, D]
   * @param padding [B, past + T] with 1 for real tokens and 0 for padding (left or right), the
   *     cached ones included
   * @param cache the KV cache to read and extend
   * @return the last hidden state after the final norm, [B, T, D]
   */
  public Tensor hiddenStates(Tensor inputsEmbeds, Tensor padding, KvCache cache) {
    return decode(
        inputsEmbeds,
        Objects.requireNonNull(padding, "padding"),
        Objects.requireNonNull(cache, "cache"),
        LayerRunner.SEQUENTIAL);
  }

  /**
   * Runs the decoder over input embeddings as {@link #hiddenStates(Tensor, Tensor)} does, and hands
   * each decoder layer's output to {@code observer} as soon as the layer has run: {@code
   * observer.accept(hidden, layer)} with {@code hidden} [B, T, D], the residual stream after layer
   * {@code layer} (from 0; before the final norm, so the last one differs from {@link
   * #hiddenStates}). For analyses of the layers' representations: call it under a {@code
   * NoGradGuard} and inside a {@code TensorScope}.
   *
   * @param inputsEmbeds [B, T, D]
   * @param padding [B, T] with 1 for real tokens and 0 for padding
   * @param observer receives every layer's output, in layer order
   */
  public void forEachLayerOutput(
      Tensor inputsEmbeds, Tensor padding, ObjIntConsumer<Tensor> observer) {
    decode(inputsEmbeds, Objects.requireNonNull(padding, "padding"), null, observing(observer));
  }

  /**
   * Runs the decoder over input embeddings, nothing padded, as {@link #forEachLayerOutput(Tensor,
   * Tensor, ObjIntConsumer)} does.
   *
   * @param inputsEmbeds [B, T, D]
   * @param observer receives every layer's output, in layer order
   */
  public void forEachLayerOutput(Tensor inputsEmbeds, ObjIntConsumer<Tensor> observer) {
    decode(inputsEmbeds, null, null, observing(observer));
  }

  private static LayerRunner observing(ObjIntConsumer<Tensor> observer) {
    Objects.requireNonNull(observer, "observer");
    return (layers, x) -> {
      for (BoundLayer layer : layers) {
        x = layer.forward(x);
        observer.accept(x, layer.index());
      }
      return x;
    };
  }

  /** The decoder; {@code padding} and {@code cache} may be null (none). */
  private Tensor decode(Tensor inputsEmbeds, Tensor padding, KvCache cache, LayerRunner runner) {
    long t = inputsEmbeds.size(1);
    long past = cache == null ? 0 : cache.length();
    if (cache != null) {
      cache.reserve(t);
    }
    Tensor positions = positions(inputsEmbeds, padding, past, t); // [B, T]
    RotaryEmbedding.Angles angles = rope.angles(positions, inputsEmbeds.scalar_type().intern());
    AttentionMask mask = AttentionMask.of(padding, past, inputsEmbeds, config.numAttentionHeads());
    List<BoundLayer> bound = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      bound.add(
          new BoundLayer(i, layers.get(i), angles, mask, cache == null ? null : cache.layer(i)));
    }
    Tensor x = runner.run(bound, inputsEmbeds);
    if (cache != null) {
      cache.advance(t);
    }
    // In a scope of its own, as each layer: the norm's fp32 temporaries are not the backward's
    return TensorScope.returning(() -> norm.forward(x));
  }

  /** {@return logits [B, T, vocab] of hidden states [B, T, D]} */
  public Tensor logits(Tensor hidden) {
    return lmHead != null
        ? lmHead.forward(hidden)
        : linear(hidden, embedTokens.weight(), new TensorOptional());
  }

  /** {@return an empty KV cache for {@code batch} sequences of up to {@code capacity} tokens} */
  public KvCache newCache(long batch, long capacity) {
    return new KvCache(config, batch, capacity, placement);
  }

  /**
   * Positions count real tokens only, so a left-padded sequence gets the same positions as
   * unpadded: the cumulative count of real tokens minus one (padding gets 0, and is masked anyway).
   */
  private static Tensor positions(Tensor embeds, Tensor padding, long past, long t) {
    if (padding == null) {
      TensorOptions longs =
          new TensorOptions(ScalarType.Long).device(new DeviceOptional(embeds.device()));
      return arange(new Scalar(past), new Scalar(past + t), longs)
          .unsqueeze(0)
          .expand(embeds.size(0), t);
    }
    Tensor counted =
        padding.to(ScalarType.Long).cumsum(-1).sub(new Scalar(1L)).clamp_min(new Scalar(0L));
    return counted.narrow(1, past, t);
  }

  /**
   * Frees the weights now ({@link Modules#release}) rather than when the garbage collector finds
   * their Java handles, then the module itself.
   */
  @Override
  public void close() {
    Modules.release(this);
    super.close();
  }
}
