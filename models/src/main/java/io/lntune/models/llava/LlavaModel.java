package io.lntune.models.llava;

import io.lntune.models.clip.ClipKeys;
import io.lntune.models.clip.ClipVisionTower;
import io.lntune.models.config.ConfigException;
import io.lntune.models.hub.ModelLocator;
import io.lntune.models.hub.ModelNotFoundException;
import io.lntune.models.llama.GenerationConfig;
import io.lntune.models.llama.Generator;
import io.lntune.models.llama.LayerRunner;
import io.lntune.models.llama.LlamaModel;
import io.lntune.models.llama.StopCriterion;
import io.lntune.models.load.KeyMap;
import io.lntune.models.load.StateDictLoader;
import io.lntune.models.nn.CausalLmLoss;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Namespace;
import io.lntune.models.nn.Placement;
import io.lntune.torch.TensorScope;
import io.lntune.torch.Tensors;
import io.lntune.torch.Torch;
import io.lntune.torch.TorchException;
import io.lntune.torch.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LLaVA: a CLIP vision tower, a connector that projects its features to the language model's width,
 * and a LLaMA-family decoder that reads them where the input holds an image placeholder. Parameters
 * are named as the original LLaVA checkpoints name them ({@code model.layers.*}, {@code
 * model.mm_projector.*}, {@code model.vision_tower.vision_tower.vision_model.*}, {@code
 * lm_head.weight}).
 *
 * <p>Inside lntune an image is always LLaVA's {@link LlavaConfig#IMAGE_TOKEN_INDEX} (-200) in the
 * ids, whatever the checkpoint's layout; the model also takes its own image token ({@link
 * LlavaConfig#imageTokenIndex()}, 32000 for llava-hf, whose tokenizer turns {@code <image>} into
 * it) as the same placeholder, so ids made by either convention work. Either way the image is one
 * placeholder that becomes all its feature rows.
 *
 * <pre>{@code
 * LlavaModel llava = LlavaModel.load(Path.of("/models/llava-v1.5-7b"), Placement.cpu(DType.BF16));
 * try (TensorScope scope = TensorScope.open()) {
 *   LlavaInput input = LlavaInput.of(ids).withAttentionMask(mask).withLabels(labels).withPixels(pixels);
 *   CausalLmLoss.Result loss = llava.loss(input);   // ids hold -200 where each image goes
 *   loss.sum().backward();
 *   LlavaOutput out = llava.forward(input);         // every position's logits, for evaluation
 * }
 * var counting = new LlavaModel(LlavaConfigs.byName("llava-v1-llama2-13b"), Placement.meta(DType.F16));
 * }</pre>
 *
 * <p>Weights start frozen. Build and load outside any {@code TensorScope}; close the model to free
 * its weights.
 */
public final class LlavaModel extends Module {
  private static final Logger log = LoggerFactory.getLogger(LlavaModel.class);

  private LlavaConfig config; // replaced when the vocabulary grows
  private final Placement placement;
  private final LlamaModel llm;
  private final Projector projector;
  private final ClipVisionTower visionTower;

  public LlavaModel(LlavaConfig config, Placement placement) {
    super("LlavaModel");
    this.config = config;
    this.placement = placement;
    this.llm = new LlamaModel(config.text(), placement);
    Namespace model = register_module("model", llm.decoder());
    if (llm.lmHead() != null) {
      register_module("lm_head", llm.lmHead());
    }
    this.projector =
        Projector.create(
            config.projectorType(),
            config.vision().hiddenSize(),
            config.text().hiddenSize(),
            placement);
    model.add("mm_projector", projector.module());
    Namespace wrapper = model.add("vision_tower", new Namespace("ClipVisionTowerWrapper"));
    this.visionTower = wrapper.add("vision_tower", new ClipVisionTower(config.vision(), placement));
  }

  /**
   * Loads a LLaVA directory in the original layout or llava-hf's, its weights in safetensors or
   * PyTorch files (the published original checkpoints ship {@code pytorch_model-0000N-of-0000M.bin}
   * shards). An original checkpoint without the vision tower inside takes it from the directory or
   * Hugging Face cache id its {@code mm_vision_tower} names.
   *
   * @param dir the checkpoint directory ({@code config.json} and safetensors or PyTorch files,
   *     single or sharded)
   * @param placement the device and dtype the weights go to
   * @return the model, its weights frozen
   * @throws io.lntune.models.load.StateDictMismatchException listing every key that does not fit
   * @throws io.lntune.models.config.ConfigException if the vision tower is neither inside nor a
   *     local directory
   */
  public static LlavaModel load(Path dir, Placement placement) {
    return open(dir, placement, null, ModelLocator.fromEnvironment());
  }

  /**
   * Loads a LLaVA directory as {@link #load(Path, Placement)} does, taking the vision tower from
   * {@code visionTowerDir} when the checkpoint does not hold it (instead of the directory {@code
   * mm_vision_tower} names).
   *
   * @param dir the checkpoint directory ({@code config.json} and safetensors or PyTorch files,
   *     single or sharded)
   * @param placement the device and dtype the weights go to
   * @param visionTowerDir a Hugging Face CLIP directory
   * @return the model, its weights frozen
   * @throws io.lntune.models.load.StateDictMismatchException listing every key that does not fit
   */
  public static LlavaModel load(Path dir, Placement placement, Path visionTowerDir) {
    return open(
        dir,
        placement,
        Objects.requireNonNull(visionTowerDir, "visionTowerDir"),
        ModelLocator.fromEnvironment());
  }

  /**
   * Loads a LLaVA directory as {@link #load(Path, Placement)} does, finding the vision tower that
   * {@code mm_vision_tower} names with {@code locator}: a directory (absolute, or relative to
   * {@code dir}), else the model id's snapshot in the Hugging Face cache.
   *
   * @param dir the checkpoint directory
   * @param placement the device and dtype the weights go to
   * @param locator where model ids are looked up
   * @return the model, its weights frozen
   * @throws io.lntune.models.config.ConfigException if the tower is needed and found nowhere,
   *     naming each place
   */
  public static LlavaModel load(Path dir, Placement placement, ModelLocator locator) {
    return open(dir, placement, null, Objects.requireNonNull(locator, "locator"));
  }

  private static LlavaModel open(
      Path dir, Placement placement, Path visionTowerDir, ModelLocator locator) {
    LlavaConfig config = LlavaConfig.read(dir, locator);
    LlavaModel model;
    try {
      model = new LlavaModel(config, placement);
    } catch (TorchException e) {
      throw config.text().unallocatable(dir.resolve("config.json"), e);
    }
    boolean towerInside;
    try (Checkpoint ckpt = Checkpoint.open(dir)) {
      LlavaKeys.Layout layout = LlavaKeys.detect(ckpt);
      towerInside =
          ckpt.names().stream()
              .anyMatch(
                  k ->
                      k.startsWith(
                          LlavaKeys.toCheckpoint(LlavaKeys.VISION + "vision_model.", layout)));
      KeyMap keys =
          LlavaKeys.of(layout)
              .ignoring(".*rotary_emb\\.inv_freq")
              .ignoring(".*vision_tower.*\\.position_ids");
      if (!towerInside) {
        keys = keys.excluding(LlavaKeys::isVision);
      }
      StateDictLoader.load(model, ckpt, keys, placement);
      log.info("loaded {} ({} layout{})", dir, layout, towerInside ? ", vision tower inside" : "");
    }
    if (!towerInside) {
      model.loadVisionTower(
          visionTowerDir != null ? visionTowerDir : towerDir(dir, config, locator));
    }
    return model;
  }

  private static Path towerDir(Path dir, LlavaConfig config, ModelLocator locator) {
    String named =
        config
            .visionTowerPath()
            .orElseThrow(
                () ->
                    new ConfigException(
                        dir
                            + ": the checkpoint holds no vision tower and the config names none; pass the CLIP directory"));
    try {
      return locator.locate(named, dir);
    } catch (ModelNotFoundException e) {
      throw new ConfigException(
          dir.resolve("config.json"),
          "the checkpoint holds no vision tower and "
              + "mm_vision_tower "
              + e.getMessage()
              + "\nor pass the CLIP directory (--vision-tower)",
          e);
    }
  }

  /**
   * Grows the language model's vocabulary to {@code rows} for added tokens ({@code <im_start>},
   * {@code <im_end>}, {@code [PAD]}); see {@link LlamaModel#resizeVocabulary}.
   */
  public void resizeVocabulary(long rows) {
    llm.resizeVocabulary(rows);
    config = config.withText(llm.config());
  }

  /** Loads the vision tower's weights from a Hugging Face CLIP directory. */
  public void loadVisionTower(Path clipDir) {
    try (Checkpoint ckpt = Checkpoint.open(clipDir)) {
      StateDictLoader.load(visionTower, ckpt, ClipKeys.huggingFace(), placement);
    }
  }

  /**
   * Loads a stand-alone connector: stage 1's output ({@code mm_projector.bin} or a safetensors
   * file, LLaVA's names) or llava-hf's names.
   */
  public void loadProjector(Path file) {
    try (Checkpoint ckpt = Checkpoint.open(file)) {
      StateDictLoader.load(projector.module(), ckpt, ProjectorKeys.detect(ckpt), placement);
    }
  }

  public LlavaConfig config() {
    return config;
  }

  public Placement placement() {
    return placement;
  }

  /** {@return the language model (its {@code model} module is shared with this one)} */
  public LlamaModel languageModel() {
    return llm;
  }

  public ClipVisionTower visionTower() {
    return visionTower;
  }

  public Projector projector() {
    return projector;
  }

  /** {@return the projected features [N, tokens, D] of images [N, 3, H, W]} */
  public Tensor imageFeatures(Tensor pixels) {
    Tensor features;
    boolean towerTrains =
        Modules.namedParameters(visionTower).values().stream().anyMatch(Tensor::requires_grad);
    if (towerTrains) {
      features =
          visionTower.features(
              pixels.to(placement.dtype().scalarType()), config.featureSelection());
    } else {
      try (NoGradGuard g = new NoGradGuard()) { // LLaVA runs a frozen tower without a graph
        features =
            visionTower.features(
                pixels.to(placement.dtype().scalarType()), config.featureSelection());
      }
    }
    return projector.forward(features);
  }

  /**
   * Runs LLaVA on token ids with image placeholders ({@link LlavaConfig#IMAGE_TOKEN_INDEX} or the
   * model's own image token, one per image).
   *
   * @param input the ids, and the attention mask, labels and images where there are any
   * @return the logits over the spliced sequence, and the loss when {@code input} has labels
   * @throws IllegalArgumentException if placeholders and images do not pair up
   */
  public LlavaOutput forward(LlavaInput input) {
    return forward(input, LayerRunner.SEQUENTIAL);
  }

  /**
   * Runs LLaVA as {@link #forward(LlavaInput)} does, the language model's decoder layers run by
   * {@code layers} (training's activation recomputation).
   *
   * @param input the ids, and the attention mask, labels and images where there are any
   * @param layers runs the decoder layers
   * @return the logits over the spliced sequence, and the loss when {@code input} has labels
   * @throws IllegalArgumentException if placeholders and images do not pair up
   */
  public LlavaOutput forward(LlavaInput input, LayerRunner layers) {
    SplicedSequence seq = splice(input);
    Tensor hidden = llm.hiddenStates(seq.embeds(), seq.attentionMask(), layers); // [B, L, D]
    Tensor logits = llm.logits(hidden); // [B, L, vocab]
    Optional<Tensor> labels = Optional.ofNullable(seq.labels());
    return new LlavaOutput(
        logits, labels, seq.attentionMask(), labels.map(l -> CausalLmLoss.of(logits, l)));
  }

  /**
   * {@link #loss(LlavaInput, LayerRunner)} with the decoder layers run in turn.
   *
   * @param input the ids and labels, and the attention mask and images where there are any
   * @return the summed next-token loss and the supervised token count
   * @throws IllegalArgumentException if {@code input} has no labels, or placeholders and images do
   *     not pair up
   */
  public CausalLmLoss.Result loss(LlavaInput input) {
    return loss(input, LayerRunner.SEQUENTIAL);
  }

  /**
   * The training loss of {@code input}: the loss {@link #forward(LlavaInput, LayerRunner)} returns,
   * with the output head run only at the positions that predict a supervised label ({@link
   * CausalLmLoss#ofSupervised}). An image's feature positions, the prompts and the padding get no
   * logits, which over the vocabulary are the largest activation of a step.
   *
   * @param input the ids and labels, and the attention mask and images where there are any
   * @param layers runs the decoder layers
   * @return the summed next-token loss and the supervised token count
   * @throws IllegalArgumentException if {@code input} has no labels, or placeholders and images do
   *     not pair up
   */
  public CausalLmLoss.Result loss(LlavaInput input, LayerRunner layers) {
    if (input.labels().isEmpty()) {
      throw new IllegalArgumentException("the loss needs labels: the input has none");
    }
    SplicedSequence seq = splice(input);
    Tensor hidden = llm.hiddenStates(seq.embeds(), seq.attentionMask(), layers); // [B, L, D]
    return CausalLmLoss.ofSupervised(hidden, seq.labels(), llm::logits);
  }

  /**
   * Runs the decoder on a batch as {@link #forward} does and hands every decoder layer's output to
   * {@code observer} as the layer runs (see {@link LlamaModel#forEachLayerOutput}); computes no
   * logits and no loss. For analyses of the layers' representations: call it under a {@code
   * NoGradGuard} and inside a {@code TensorScope}.
   *
   * @param input the ids, and the attention mask and images where there are any; labels, if any,
   *     are not used
   * @param observer receives every decoder layer's output
   * @throws IllegalArgumentException if placeholders and images do not pair up
   */
  public void forEachLayerOutput(LlavaInput input, LayerObserver observer) {
    SplicedSequence seq = splice(input);
    llm.forEachLayerOutput(
        seq.embeds(),
        seq.attentionMask(),
        (hidden, layer) -> observer.layerOutput(layer, hidden, seq.attentionMask()));
  }

  /** Receives each decoder layer's output from {@link #forEachLayerOutput}. */
  @FunctionalInterface
  public interface LayerObserver {
    /**
     * Called once per decoder layer, in layer order.
     *
     * @param layer the layer's index, from 0
     * @param hidden its output [B, L, D]: the residual stream after the layer, before the final
     *     norm, over the sequence with the image features spliced in
     * @param attentionMask [B, L] int64: 1 at real positions (text and image), 0 at padding
     */
    void layerOutput(int layer, Tensor hidden, Tensor attentionMask);
  }

  /**
   * {@return the decoder's input: the ids with each placeholder replaced by its image's projected
   * features}
   */
  private SplicedSequence splice(LlavaInput input) {
    Tensor images = input.pixels().map(this::imageFeatures).orElse(null); // [N, P, D]
    Tensor placed = withLlavaPlaceholders(input.ids());
    Tensor tokens = llm.embed(SplicedSequence.embeddable(placed)); // [B, T, D]
    return Torch.call(
        () -> "splicing images into ids " + Tensors.shape(input.ids()),
        () ->
            SplicedSequence.of(
                placed,
                input.attentionMask().orElse(null),
                input.labels().orElse(null),
                tokens,
                images,
                config.maxLength()));
  }

  /**
   * Generates answers to text-only prompts, batched with a KV cache, as {@link #generate(List,
   * Tensor, GenerationConfig, StopCriterion)} does without images.
   *
   * @param prompts token ids, each non-empty, without image placeholders
   * @param generation the length limit and sampling
   * @param stop ends a sequence early ({@link StopCriterion#NEVER} for none)
   * @return one output per prompt, in order
   */
  public List<Generator.Output> generate(
      List<long[]> prompts, GenerationConfig generation, StopCriterion stop) {
    return generate(prompts, Optional.empty(), generation, stop);
  }

  /**
   * Generates answers to prompts with images, batched with a KV cache: each prompt's images are
   * spliced in as {@link #forward} does, then the sequences are left-padded to a common length for
   * {@link Generator}.
   *
   * @param prompts token ids with a placeholder ({@link LlavaConfig#IMAGE_TOKEN_INDEX} or the
   *     model's own image token) where each image goes
   * @param pixels [N, 3, H, W] for the N placeholders in prompt order
   * @param generation the length limit and sampling
   * @param stop ends a sequence early ({@link StopCriterion#NEVER} for none)
   * @return one output per prompt, in order
   */
  public List<Generator.Output> generate(
      List<long[]> prompts, Tensor pixels, GenerationConfig generation, StopCriterion stop) {
    return generate(prompts, Optional.of(pixels), generation, stop);
  }

  private List<Generator.Output> generate(
      List<long[]> prompts,
      Optional<Tensor> pixels,
      GenerationConfig generation,
      StopCriterion stop) {
    if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
      throw new IllegalArgumentException(
          "generation needs at least one prompt, each with at least one token");
    }
    try (TensorScope scope = TensorScope.open();
        NoGradGuard g = new NoGradGuard()) {
      int width = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
      long[] ids = new long[prompts.size() * width];
      long[] mask = new long[ids.length];
      for (int b = 0; b < prompts.size(); b++) {
        System.arraycopy(prompts.get(b), 0, ids, b * width, prompts.get(b).length);
        Arrays.fill(mask, b * width, b * width + prompts.get(b).length, 1L);
      }
      Tensor idt =
          withLlavaPlaceholders(Tensor.create(ids, prompts.size(), width))
              .to(placement.device().toTorch(), ScalarType.Long);
      Tensor maskt =
          Tensor.create(mask, prompts.size(), width)
              .to(placement.device().toTorch(), ScalarType.Long);
      Tensor images = pixels.map(this::imageFeatures).orElse(null); // [N, P, D]
      Tensor tokens = llm.embed(SplicedSequence.embeddable(idt)); // [B, T, D]
      SplicedSequence right =
          Torch.call(
              () -> "splicing images into prompts " + Tensors.shape(idt),
              () -> SplicedSequence.of(idt, maskt, null, tokens, images, Long.MAX_VALUE));
      SplicedSequence left = right.leftPadded();
      return Generator.generate(llm, left.embeds(), left.attentionMask(), generation, stop);
    }
  }

  /**
   * {@return {@code ids} with the model's own image token (llava-hf's 32000) written as LLaVA's
   * placeholder}
   */
  private Tensor withLlavaPlaceholders(Tensor ids) {
    long own = config.imageTokenIndex();
    return own == LlavaConfig.IMAGE_TOKEN_INDEX
        ? ids
        : ids.masked_fill(ids.eq(new Scalar(own)), new Scalar(LlavaConfig.IMAGE_TOKEN_INDEX));
  }

  /** {@return the parameter count of each component, and the total} */
  public ComponentCounts parameterCounts() {
    return ComponentCounts.of(this);
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
