package io.lntune.models.clip;

import io.lntune.models.load.StateDictLoader;
import io.lntune.models.nn.LayerNorm;
import io.lntune.models.nn.Modules;
import io.lntune.models.nn.Namespace;
import io.lntune.models.nn.Placement;
import io.lntune.torch.TensorScope;
import io.lntune.torch.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLIP vision transformer, registered under Hugging Face {@code CLIPVisionModel}'s parameter
 * names: {@code vision_model.embeddings.*}, {@code vision_model.pre_layrnorm} (sic), {@code
 * vision_model.encoder.layers.N.*} and {@code vision_model.post_layernorm}. Weights start
 * uninitialised and frozen (see {@link Placement}).
 *
 * <pre>{@code
 * ClipVisionTower tower = ClipVisionTower.load(Path.of("/models/clip-vit-large-patch14-336"), Placement.cpu(DType.F32));
 * try (TensorScope scope = TensorScope.open(); NoGradGuard g = new NoGradGuard()) {
 *   Tensor features = tower.features(pixels, FeatureSelection.llava());   // [batch, 576, 1024]
 * }
 * var meta = new ClipVisionTower(ClipConfigs.vitL14(), Placement.meta(DType.F16));   // shapes and counts only
 * }</pre>
 *
 * <p>Forward passes free each layer's temporaries as they go ({@link TensorScope#returning}); run
 * them inside a scope of your own to free the results. Inference is thread-safe; close the tower to
 * free its weights.
 */
public final class ClipVisionTower extends Module {
  private static final Logger log = LoggerFactory.getLogger(ClipVisionTower.class);

  private final ClipVisionConfig config;
  private final Namespace visionModel; // keeps the namespace's Java peer alive (see Namespace)
  private final ClipVisionEmbeddings embeddings;
  private final LayerNorm preLayrnorm;
  private final List<ClipEncoderLayer> layers = new ArrayList<>();
  private final LayerNorm postLayernorm;

  public ClipVisionTower(ClipVisionConfig config, Placement placement) {
    super("ClipVisionTower");
    this.config = config;
    Namespace visionModel = register_module("vision_model", new Namespace("ClipVisionTransformer"));
    this.visionModel = visionModel;
    this.embeddings = visionModel.add("embeddings", new ClipVisionEmbeddings(config, placement));
    this.preLayrnorm =
        visionModel.add(
            "pre_layrnorm", new LayerNorm(config.hiddenSize(), config.layerNormEps(), placement));
    Namespace encoder = visionModel.add("encoder", new Namespace("ClipEncoder"));
    Namespace list = encoder.add("layers", new Namespace("ModuleList"));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(list.add(Integer.toString(i), new ClipEncoderLayer(config, placement)));
    }
    this.postLayernorm =
        visionModel.add(
            "post_layernorm", new LayerNorm(config.hiddenSize(), config.layerNormEps(), placement));
  }

  /**
   * Reads a Hugging Face CLIP directory: {@code config.json} (a {@code CLIPVisionConfig} or a full
   * CLIP config) and its weights, safetensors or PyTorch ({@code CLIPVisionModel} or {@code
   * CLIPModel}; the text half is ignored).
   *
   * @throws io.lntune.models.config.ConfigException if the config is missing or malformed
   * @throws io.lntune.models.load.StateDictMismatchException listing every key that does not fit
   * @throws io.lntune.torch.checkpoint.CheckpointException if the weights are missing or malformed
   */
  public static ClipVisionTower load(Path dir, Placement placement) {
    ClipVisionConfig config = ClipVisionConfig.read(dir.resolve("config.json"));
    ClipVisionTower tower = new ClipVisionTower(config, placement);
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      StateDictLoader.load(tower, checkpoint, ClipKeys.huggingFace(), placement);
    }
    log.info(
        "loaded CLIP vision tower from {}: {} layers of width {}, {} px in {} px patches, {} parameters, {}",
        dir,
        config.numHiddenLayers(),
        config.hiddenSize(),
        config.imageSize(),
        config.patchSize(),
        String.format("%,d", Modules.parameterCount(tower)),
        placement);
    return tower;
  }

  public ClipVisionConfig config() {
    return config;
  }

  /**
   * {@return every hidden state and the pooled output for {@code pixels} [batch, channels, image,
   * image]}
   *
   * @throws IllegalArgumentException if the pixels do not have the configured channels and image
   *     size
   */
  public ClipVisionOutput forward(Tensor pixels) {
    List<Tensor> hidden = new ArrayList<>();
    Tensor x = embed(pixels); // [batch, positions, width]
    hidden.add(x);
    for (ClipEncoderLayer layer : layers) {
      x = run(layer, x); // [batch, positions, width]
      hidden.add(x);
    }
    Tensor pooled = postLayernorm.forward(x.select(1, 0)); // [batch, width]
    return new ClipVisionOutput(hidden, pooled);
  }

  /**
   * {@return the image features that {@code selection} picks for {@code pixels}; runs only the
   * layers up to the selected one}
   *
   * @throws IllegalArgumentException if the pixels do not fit or the selected layer is out of range
   */
  public Tensor features(Tensor pixels, FeatureSelection selection) {
    int last = selection.hiddenStateIndex(layers.size());
    Tensor x = embed(pixels); // [batch, positions, width]
    for (int i = 0; i < last; i++) {
      x = run(layers.get(i), x); // [batch, positions, width]
    }
    return selection.tokensOf(x); // [batch, tokens, width]
  }

  private Tensor embed(Tensor pixels) {
    return TensorScope.returning(() -> preLayrnorm.forward(embeddings.forward(pixels)));
  }

  private static Tensor run(ClipEncoderLayer layer, Tensor x) {
    return TensorScope.returning(() -> layer.forward(x));
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
