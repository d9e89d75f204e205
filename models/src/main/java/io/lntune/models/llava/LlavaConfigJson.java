package io.lntune.models.llava;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lntune.models.clip.ClipVisionConfig;
import io.lntune.models.llama.LlamaConfig;

/**
 * Writes configs in Hugging Face's field names: a LLaMA {@code config.json}, a {@code CLIPVisionConfig}, and an
 * original-LLaVA config (LLaMA's fields plus {@code mm_*}), so that exported checkpoints load in Python and in lntune.
 */
public final class LlavaConfigJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LlavaConfigJson() {}

  /** {@return LLaMA's {@code config.json} fields} */
  public static ObjectNode text(LlamaConfig t) {
    ObjectNode n = JSON.createObjectNode().put("model_type", "llama").put("hidden_act", "silu")
        .put("hidden_size", t.hiddenSize()).put("intermediate_size", t.intermediateSize())
        .put("num_hidden_layers", t.numHiddenLayers()).put("num_attention_heads", t.numAttentionHeads())
        .put("num_key_value_heads", t.numKeyValueHeads()).put("rms_norm_eps", t.rmsNormEps())
        .put("rope_theta", t.ropeTheta()).put("vocab_size", t.vocabSize())
        .put("max_position_embeddings", t.maxPositionEmbeddings()).put("tie_word_embeddings", t.tieWordEmbeddings())
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
    }
    t.torchDtype().ifPresent(d -> n.put("torch_dtype", d == io.lntune.torch.DType.BF16 ? "bfloat16"
        : d == io.lntune.torch.DType.F16 ? "float16" : "float32"));
    return n;
  }

  /** {@return a {@code CLIPVisionConfig}} */
  public static ObjectNode vision(ClipVisionConfig v) {
    return JSON.createObjectNode().put("model_type", "clip_vision_model").put("hidden_size", v.hiddenSize())
        .put("intermediate_size", v.intermediateSize()).put("num_hidden_layers", v.numHiddenLayers())
        .put("num_attention_heads", v.numAttentionHeads()).put("num_channels", v.numChannels())
        .put("image_size", v.imageSize()).put("patch_size", v.patchSize()).put("hidden_act", v.hiddenAct().hfName())
        .put("layer_norm_eps", v.layerNormEps());
  }

  /** {@return an original-LLaVA config whose vision tower is the directory {@code visionTower}} */
  public static ObjectNode original(LlavaConfig c, String visionTower) {
    ObjectNode n = text(c.text());
    n.putArray("architectures").add("LlavaLlamaForCausalLM");
    n.put("model_type", "llava_llama").put("mm_vision_tower", visionTower)
        .put("mm_hidden_size", c.vision().hiddenSize()).put("mm_projector_type", c.projectorType().name())
        .put("mm_vision_select_layer", c.featureSelection().layer())
        .put("mm_vision_select_feature", c.featureSelection().tokens().llavaName())
        .put("mm_use_im_start_end", c.useImStartEnd()).put("mm_use_im_patch_token", false)
        .put("image_aspect_ratio", c.imageAspectRatio()).put("tokenizer_model_max_length", c.maxLength())
        .put("tokenizer_padding_side", "right").put("use_mm_proj", true);
    return n;
  }
}
