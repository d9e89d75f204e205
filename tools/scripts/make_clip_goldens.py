#!/usr/bin/python3
"""Writes random tiny CLIP vision towers and their expected hidden states, for lntune's parity tests.

An independent reference: Debian's python3-torch (1.13) and numpy, with the tower written out by hand from the
published CLIP architecture (Hugging Face's CLIPVisionModel, which LLaVA uses) - no transformers, no
scaled_dot_product_attention, the patch embedding as a real strided convolution, everything in float64. For each
tower NAME it writes a Hugging Face model directory NAME/ with

  config.json            a full CLIP config (vision_config section) or a CLIPVisionConfig, one of each
  model.safetensors      float32 weights under CLIPVisionModel's names; the full-CLIP tower also carries the keys
                         a CLIPModel checkpoint has besides the vision tower (text_model.*, logit_scale,
                         text_projection, visual_projection) and the position_ids buffer, which loading must skip

and next to it (outside the directory, whose every *.safetensors is part of the checkpoint)

  NAME.expected.safetensors
                         pixel_values [N, 3, H, W]; hidden_states [layers + 1, N, positions, width] (entry 0 the
                         embeddings after pre_layrnorm, entry i the output of layer i, no post_layernorm);
                         pooled_output [N, width] (post_layernorm of the last class token); image_features, the
                         hidden state LLaVA selects (metadata select_layer, select_feature)

Usage: /usr/bin/python3 tools/scripts/make_clip_goldens.py models/src/test/resources/io/lntune/models/clip/towers
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_safetensors_fixtures import write  # noqa: E402  (the project's independent safetensors writer)

TOWERS = {
    # A full CLIP checkpoint (vision_config section), OpenAI's activation, LLaVA's default feature selection.
    "quick_gelu": dict(layout="clip", hidden_size=16, intermediate_size=40, num_hidden_layers=3,
                       num_attention_heads=2, image_size=16, patch_size=4, hidden_act="quick_gelu",
                       layer_norm_eps=1e-5, select_layer=-2, select_feature="patch", batch=2, seed=11),
    # A CLIPVisionConfig at the top level, exact GELU, other sizes, the last layer with the class token.
    "gelu": dict(layout="clip_vision_model", hidden_size=24, intermediate_size=32, num_hidden_layers=2,
                 num_attention_heads=3, image_size=15, patch_size=5, hidden_act="gelu", layer_norm_eps=1e-6,
                 select_layer=-1, select_feature="cls_patch", batch=2, seed=12),
}


def random_weights(cfg, gen):
    """CLIPVisionModel's parameters, with scales that keep activations of order one (far from HF's init)."""
    d, f, p = cfg["hidden_size"], cfg["intermediate_size"], cfg["patch_size"]
    positions = (cfg["image_size"] // p) ** 2 + 1

    def randn(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    w = {
        "vision_model.embeddings.class_embedding": randn(d, std=0.5),
        "vision_model.embeddings.patch_embedding.weight": randn(d, 3, p, p, std=0.3),
        "vision_model.embeddings.position_embedding.weight": randn(positions, d, std=0.5),
    }
    for name in ("pre_layrnorm", "post_layernorm"):
        w[f"vision_model.{name}.weight"] = 1 + randn(d, std=0.2)
        w[f"vision_model.{name}.bias"] = randn(d, std=0.2)
    for i in range(cfg["num_hidden_layers"]):
        pre = f"vision_model.encoder.layers.{i}."
        for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
            w[pre + f"self_attn.{proj}.weight"] = randn(d, d, std=1 / math.sqrt(d))
            w[pre + f"self_attn.{proj}.bias"] = randn(d, std=0.1)
        for norm in ("layer_norm1", "layer_norm2"):
            w[pre + f"{norm}.weight"] = 1 + randn(d, std=0.2)
            w[pre + f"{norm}.bias"] = randn(d, std=0.2)
        w[pre + "mlp.fc1.weight"] = randn(f, d, std=1 / math.sqrt(d))
        w[pre + "mlp.fc1.bias"] = randn(f, std=0.1)
        w[pre + "mlp.fc2.weight"] = randn(d, f, std=1 / math.sqrt(f))
        w[pre + "mlp.fc2.bias"] = randn(d, std=0.1)
    # Round to float32 once: the reference then computes in float64 from exactly the weights the test loads.
    return {k: v.float().double() for k, v in w.items()}


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def activation(name, x):
    if name == "quick_gelu":
        return x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    raise ValueError(name)


def tower(cfg, w, pixels):
    """The CLIP vision transformer; returns (hidden_states, pooled_output)."""
    d, heads, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    n = pixels.shape[0]
    patches = torch.nn.functional.conv2d(pixels, w["vision_model.embeddings.patch_embedding.weight"],
                                         stride=cfg["patch_size"])  # [n, d, grid, grid]
    patches = patches.flatten(2).transpose(1, 2)  # [n, grid*grid, d], row-major patch order
    cls = w["vision_model.embeddings.class_embedding"].expand(n, 1, d)
    x = torch.cat([cls, patches], dim=1) + w["vision_model.embeddings.position_embedding.weight"]
    x = layer_norm(x, w["vision_model.pre_layrnorm.weight"], w["vision_model.pre_layrnorm.bias"], eps)
    hidden = [x]
    head_dim = d // heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"vision_model.encoder.layers.{i}."

        def lin(name, t):
            return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        h = layer_norm(x, w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], eps)
        t = h.shape[1]
        q, k, v = (lin(f"self_attn.{s}_proj", h).view(n, t, heads, head_dim).transpose(1, 2) for s in "qkv")
        scores = (q @ k.transpose(-1, -2)) * head_dim ** -0.5
        att = torch.softmax(scores, dim=-1) @ v  # [n, heads, t, head_dim]
        x = x + lin("self_attn.out_proj", att.transpose(1, 2).reshape(n, t, d))
        h = layer_norm(x, w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], eps)
        x = x + lin("mlp.fc2", activation(cfg["hidden_act"], lin("mlp.fc1", h)))
        hidden.append(x)
    pooled = layer_norm(x[:, 0], w["vision_model.post_layernorm.weight"], w["vision_model.post_layernorm.bias"], eps)
    return hidden, pooled


def f32(name, t):
    a = t.detach().to(torch.float32).contiguous().numpy()
    return (name, "F32", list(a.shape), a.astype("<f4").tobytes(), None)


def config_json(cfg):
    vision = {k: cfg[k] for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                                  "image_size", "patch_size", "hidden_act", "layer_norm_eps")}
    vision.update(num_channels=3, projection_dim=8)
    if cfg["layout"] == "clip_vision_model":
        return {"architectures": ["CLIPVisionModel"], "model_type": "clip_vision_model", **vision}
    text = {"hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
            "vocab_size": 10, "max_position_embeddings": 4, "model_type": "clip_text_model"}
    return {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 8,
            "text_config": text, "vision_config": {**vision, "model_type": "clip_vision_model"}}


def extra_clip_keys(cfg, gen):
    """What a CLIPModel checkpoint holds besides the vision tower (a few of the text tower's tensors suffice)."""
    d = cfg["hidden_size"]
    positions = (cfg["image_size"] // cfg["patch_size"]) ** 2 + 1
    return [
        f32("text_model.embeddings.token_embedding.weight", torch.randn(10, 8, generator=gen)),
        f32("text_model.final_layer_norm.weight", torch.ones(8)),
        f32("logit_scale", torch.tensor(2.6592)),
        f32("text_projection.weight", torch.randn(8, 8, generator=gen)),
        f32("visual_projection.weight", torch.randn(8, d, generator=gen)),
        ("vision_model.embeddings.position_ids", "I64", [1, positions],
         np.arange(positions, dtype="<i8").tobytes(), None),
    ]


def main(out_dir):
    for name, cfg in TOWERS.items():
        out = Path(out_dir) / name
        out.mkdir(parents=True, exist_ok=True)
        gen = torch.Generator().manual_seed(cfg["seed"])
        w = random_weights(cfg, gen)
        side = cfg["image_size"]
        pixels = torch.randn(cfg["batch"], 3, side, side, generator=gen, dtype=torch.float64).float().double()
        with torch.no_grad():
            hidden, pooled = tower(cfg, w, pixels)
        selected = hidden[cfg["select_layer"]]
        features = selected[:, 1:] if cfg["select_feature"] == "patch" else selected

        weights = [f32(k, v) for k, v in w.items()]
        if cfg["layout"] == "clip":
            weights += extra_clip_keys(cfg, gen)
        write(out / "model.safetensors", weights, {"format": "pt"}, pad=True)
        (out / "config.json").write_text(json.dumps(config_json(cfg), indent=2) + "\n")
        expected = [f32("pixel_values", pixels), f32("hidden_states", torch.stack(hidden)),
                    f32("pooled_output", pooled), f32("image_features", features)]
        metadata = {"select_layer": str(cfg["select_layer"]), "select_feature": cfg["select_feature"],
                    "written_by": "torch " + torch.__version__ + " (float64 reference)"}
        write(Path(out_dir) / (name + ".expected.safetensors"), expected, metadata, pad=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
