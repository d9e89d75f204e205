package io.lntune.models.llava;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The defaults of transformers' {@code LlamaConfig} and {@code CLIPVisionConfig}, which llava-hf
 * configs omit.
 */
final class HfDefaults {
  static final ObjectNode LLAMA =
      JsonNodeFactory.instance
          .objectNode()
          .put("hidden_size", 4096)
          .put("intermediate_size", 11008)
          .put("num_hidden_layers", 32)
          .put("num_attention_heads", 32)
          .put("rms_norm_eps", 1e-6)
          .put("vocab_size", 32000)
          .put("max_position_embeddings", 2048)
          .put("rope_theta", 10000.0)
          .put("tie_word_embeddings", false);
  static final ObjectNode CLIP_VISION =
      JsonNodeFactory.instance
          .objectNode()
          .put("hidden_size", 768)
          .put("intermediate_size", 3072)
          .put("num_hidden_layers", 12)
          .put("num_attention_heads", 12)
          .put("num_channels", 3)
          .put("image_size", 224)
          .put("patch_size", 32)
          .put("hidden_act", "quick_gelu")
          .put("layer_norm_eps", 1e-5);

  private HfDefaults() {}
}
