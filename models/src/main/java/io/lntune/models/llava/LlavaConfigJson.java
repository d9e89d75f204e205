package io.lntune.models.llava;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.clip.ClipImageProcessor;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.clip.FeatureSelection;
import io.lntune.models.llama.LlamaConfig;
import io.lntune.torch.DType;

/**
 * Writes configs in Hugging Face's field names, so that exported checkpoints load in Python and in
 * lntune: a LLaMA {@code config.json}, a {@code CLIPVisionConfig}, an original-LLaVA config
 * (LLaMA's fields plus {@code mm_*}, read by LLaVA's {@code LlavaLlamaForCausalLM}) and a llava-hf
 * config (read by transformers' {@code LlavaForConditionalGeneration}). Each holds every field of
 * the published llava-v1.5-7b configs.
 *
 * <pre>{@code
 * ObjectNode original = LlavaConfigJson.original(config, "openai/clip-vit-large-patch14-336");
 * ObjectNode hf = LlavaConfigJson.llavaHf(config, 32000, 32001);   // <image> and <pad> ids of the vocabulary
 * }</pre>
 */
public final class LlavaConfigJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LlavaConfigJson() {}

  /** {@return LLaMA's {@code config.json} fields, as {@code LlamaForCausalLM} saves them} */
  public static ObjectNode text(LlamaConfig t) {
    ObjectNode n = JSON.createObjectNode().put("model_type", "llama");
    n.putArray("architectures").add("LlamaForCausalLM");
    n.put("hidden_act", "silu")
        .put("hidden_size", t.hiddenSize())
        .put("intermediate_size", t.intermediateSize())
        .put("num_hidden_layers", t.numHiddenLayers())
        .put("num_attention_heads", t.numAttentionHeads())
        .put("num_key_value_heads", t.numKeyValueHeads())
        .put("rms_norm_eps", t.rmsNormEps())
        .put("rope_theta", t.ropeTheta())
        .put("vocab_size", t.vocabSize())
        .put("max_position_embeddings", t.maxPositionEmbeddings())
        .put("tie_word_embeddings", t.tieWordEmbeddings())
        .put("initializer_range", 0.02)
        .put("pretraining_tp", 1)
        .put("use_cache", true)
        .put("bos_token_id", t.bosTokenId());
    if (t.eosTokenIds().size() == 1) {
      n.put("eos_token_id", t.eosTokenIds().get(0));
    } else {
      t.eosTokenIds().forEach(n.putArray("eos_token_id")::add);
    }
    if (t.padTokenId() >= 0) {
      n.put("pad_token_id", t.padTokenId());
    }
    if (t.ropeLinearFactor() != 1.0) {
      n.putObject("rope_scaling").put("type", "linear").put("factor", t.ropeLinearFactor());
    } else {
      n.putNull("rope_scaling");
    }
    t.torchDtype().ifPresent(d -> n.put("torch_dtype", torchDtype(d)));
    return n;
  }

  /** {@return a {@code CLIPVisionConfig}} */
  public static ObjectNode vision(ClipVisionConfig v) {
    return JSON.createObjectNode()
        .put("model_type", "clip_vision_model")
        .put("hidden_size", v.hiddenSize())
        .put("intermediate_size", v.intermediateSize())
        .put("num_hidden_layers", v.numHiddenLayers())
        .put("num_attention_heads", v.numAttentionHeads())
        .put("num_channels", v.numChannels())
        .put("image_size", v.imageSize())
        .put("patch_size", v.patchSize())
        .put("hidden_act", v.hiddenAct().hfName())
        .put("layer_norm_eps", v.layerNormEps());
  }

  /**
   * {@return an original-LLaVA config whose vision tower is {@code visionTower}} LLaVA's {@code
   * build_vision_tower} takes a path as given (from the working directory), so a directory must be
   * named by its absolute path; a model id is looked up in the Hugging Face cache. The training
   * flags LLaVA saves ({@code tune_mm_mlp_adapter}, ...) are written false: the checkpoint is
   * complete and loads for inference or further finetuning.
   */
  public static ObjectNode original(LlavaConfig c, String visionTower) {
    ObjectNode n = text(c.text());
    n.putArray("architectures").add("LlavaLlamaForCausalLM");
    // LLaVA's own LlavaConfig: released v1.5 configs say "llava", which newer transformers take for
    // llava-hf's
    n.put("model_type", "llava_llama")
        .put("max_length", c.text().maxPositionEmbeddings())
        .put("mm_vision_tower", visionTower)
        .put("mm_hidden_size", c.vision().hiddenSize())
        .put("mm_projector_type", c.projectorType().name())
        .put("mm_vision_select_layer", c.featureSelection().layer())
        .put("mm_vision_select_feature", c.featureSelection().tokens().llavaName())
        .put("mm_use_im_start_end", c.useImStartEnd())
        .put("mm_use_im_patch_token", false)
        .put("image_aspect_ratio", c.imageAspectRatio())
        .put("tokenizer_model_max_length", c.maxLength())
        .put("tokenizer_padding_side", "right")
        .put("use_mm_proj", true)
        .putNull("mm_resampler_type");
    for (String flag :
        new String[] {
          "tune_mm_mlp_adapter",
          "freeze_mm_mlp_adapter",
          "unfreeze_mm_vision_tower",
          "tune_mm_vision_resampler",
          "freeze_mm_vision_resampler"
        }) {
      n.put(flag, false);
    }
    return n;
  }

  /**
   * {@return a llava-hf config ({@code LlavaForConditionalGeneration}) for {@code c}}
   *
   * @param imageTokenIndex the vocabulary id that marks an image
   * @param padTokenId the padding id, or -1 for none
   * @throws IllegalArgumentException for what llava-hf cannot express: a connector other than
   *     {@code mlp2x_gelu}, {@code <im_start>}/{@code <im_end>} around images, an image token
   *     outside the vocabulary
   */
  public static ObjectNode llavaHf(LlavaConfig c, long imageTokenIndex, long padTokenId) {
    if (!c.projectorType().equals(ProjectorType.mlpGelu(2))) {
      throw new IllegalArgumentException(
          "llava-hf models have an mlp2x_gelu connector, this one is "
              + c.projectorType()
              + ": export the original LLaVA layout instead");
    }
    if (c.useImStartEnd()) {
      throw new IllegalArgumentException(
          "llava-hf models cannot wrap images in <im_start>/<im_end> "
              + "(mm_use_im_start_end): export the original LLaVA layout instead");
    }
    if (imageTokenIndex < 0 || imageTokenIndex >= c.text().vocabSize()) {
      throw new IllegalArgumentException(
          "llava-hf's image token must be a vocabulary id (0.."
              + (c.text().vocabSize() - 1)
              + "), got "
              + imageTokenIndex);
    }
    ObjectNode text = text(c.text());
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add("LlavaForConditionalGeneration");
    n.put("ignore_index", -100)
        .put("image_token_index", imageTokenIndex)
        .put("model_type", "llava");
    if (padTokenId >= 0) {
      n.put("pad_token_id", padTokenId);
      text.put("pad_token_id", padTokenId);
    }
    n.put("projector_hidden_act", "gelu").set("text_config", text);
    n.put("tie_word_embeddings", c.text().tieWordEmbeddings());
    c.text().torchDtype().ifPresent(d -> n.put("torch_dtype", torchDtype(d)));
    n.set("vision_config", vision(c.vision()));
    n.put("vision_feature_layer", c.featureSelection().layer())
        .put(
            "vision_feature_select_strategy",
            c.featureSelection().tokens() == FeatureSelection.Tokens.PATCH ? "default" : "full");
    n.put("vocab_size", c.text().vocabSize());
    return n;
  }

  /**
   * {@return the {@code preprocessor_config.json} of Hugging Face's {@code CLIPImageProcessor}
   * doing what {@code p} does} Padding to a square has no field there: LLaVA reads it from the
   * model's {@code image_aspect_ratio}.
   */
  public static ObjectNode preprocessor(ClipImageProcessor p) {
    ObjectNode n = JSON.createObjectNode();
    n.putObject("crop_size").put("height", p.cropSize()).put("width", p.cropSize());
    n.put("do_center_crop", true)
        .put("do_convert_rgb", true)
        .put("do_normalize", true)
        .put("do_rescale", true)
        .put("do_resize", true);
    for (double m : p.mean()) {
      n.withArray("image_mean").add(m);
    }
    n.put("image_processor_type", "CLIPImageProcessor");
    for (double s : p.std()) {
      n.withArray("image_std").add(s);
    }
    n.put("resample", 3).put("rescale_factor", 1.0 / 255); // 3: PIL's bicubic
    n.putObject("size").put("shortest_edge", p.shortestEdge());
    return n;
  }

  /** {@return PyTorch's name of {@code dtype}, as {@code torch_dtype} states it} */
  public static String torchDtype(DType dtype) {
    switch (dtype) {
      case BF16:
        return "bfloat16";
      case F16:
        return "float16";
      case F32:
        return "float32";
      case F64:
        return "float64";
      default:
        throw new IllegalArgumentException(dtype + " is not a checkpoint dtype");
    }
  }
}
