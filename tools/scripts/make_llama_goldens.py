#!/usr/bin/python3
"""Writes tiny random LLaMA checkpoints in Hugging Face layout and their expected outputs.

An independent reference for lntune's decoder: the forward pass below is written from the model's definition
(RMSNorm upcast to float and cast back before the gain, rotate-half rotary embeddings, grouped-query attention by
repeating key/value heads, an explicit causal mask and softmax, SwiGLU) in float64, with Debian's python3-torch
(1.13, which predates scaled_dot_product_attention). It does not use Hugging Face transformers or lntune.

Each case directory holds config.json, the weights (one file, or shards plus model.safetensors.index.json) and
expected.safetensors with input_ids [1, T], logits [1, T, vocab] and last_hidden_state [1, T, hidden] (after the
final norm, as Hugging Face's LlamaModel returns it).

Usage: /usr/bin/python3 tools/scripts/make_llama_goldens.py models/src/test/resources/io/lntune/models/llama
"""
import json
import math
import sys
from pathlib import Path

import torch

from safetensors_np import save

CASES = {
    # multi-head attention, separate lm_head, classic rope_theta, one file
    "mha-untied": dict(hidden_size=24, num_attention_heads=3, num_key_value_heads=3, intermediate_size=40,
                       num_hidden_layers=2, vocab_size=64, rope_theta=10000.0, rms_norm_eps=1e-6,
                       tie_word_embeddings=False, shards=1, seed=1),
    # grouped-query attention, tied head, large theta, two shards with an index
    "gqa-tied": dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, intermediate_size=48,
                     num_hidden_layers=2, vocab_size=80, rope_theta=500000.0, rms_norm_eps=1e-5,
                     tie_word_embeddings=True, shards=2, seed=2),
    # one key/value head, linear rope scaling, theta given as rope_parameters (newer transformers), a stray
    # rotary_emb.inv_freq buffer in the checkpoint as older exports have
    "mqa-linear-rope": dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=1, intermediate_size=40,
                            num_hidden_layers=3, vocab_size=72, rope_theta=1000000.0, rms_norm_eps=1e-5,
                            tie_word_embeddings=False, shards=1, seed=3, linear_factor=2.0, rope_parameters=True),
}
SEQ_LEN = 9


def weights(c):
    g = torch.Generator().manual_seed(c["seed"])
    d, hd = c["hidden_size"], c["hidden_size"] // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * hd

    def mat(rows, cols, std=0.15):
        return (torch.randn(rows, cols, generator=g) * std).float()

    def gain(n):
        return (1.0 + 0.2 * torch.randn(n, generator=g)).float()

    w = {"model.embed_tokens.weight": mat(c["vocab_size"], d, 1.0)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = gain(d)
        w[p + "self_attn.q_proj.weight"] = mat(d, d)
        w[p + "self_attn.k_proj.weight"] = mat(kv, d)
        w[p + "self_attn.v_proj.weight"] = mat(kv, d)
        w[p + "self_attn.o_proj.weight"] = mat(d, d)
        w[p + "post_attention_layernorm.weight"] = gain(d)
        w[p + "mlp.gate_proj.weight"] = mat(c["intermediate_size"], d)
        w[p + "mlp.up_proj.weight"] = mat(c["intermediate_size"], d)
        w[p + "mlp.down_proj.weight"] = mat(d, c["intermediate_size"])
    w["model.norm.weight"] = gain(d)
    if not c["tie_word_embeddings"]:
        w["lm_head.weight"] = mat(c["vocab_size"], d, 0.3)
    return w


def rms_norm(x, gain, eps):
    normed = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return gain * normed


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def forward(c, w, ids):
    w = {k: v.double() for k, v in w.items()}
    d, heads, kv_heads = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd, eps, t = d // heads, c["rms_norm_eps"], ids.shape[1]
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    positions = torch.arange(t, dtype=torch.float64) / c.get("linear_factor", 1.0)
    angles = torch.outer(positions, inv_freq)
    cos, sin = torch.cat([angles, angles], -1).cos(), torch.cat([angles, angles], -1).sin()
    causal = torch.full((t, t), float("-inf"), dtype=torch.float64).triu(1)

    x = w["model.embed_tokens.weight"][ids]                        # [1, T, D]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(1, t, heads, hd).transpose(1, 2)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(1, t, kv_heads, hd).transpose(1, 2)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(1, t, kv_heads, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv_heads, dim=1)
        v = v.repeat_interleave(heads // kv_heads, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + causal
        attn = torch.softmax(scores, dim=-1) @ v                   # [1, H, T, hd]
        x = x + attn.transpose(1, 2).reshape(1, t, d) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    last = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if c["tie_word_embeddings"] else w["lm_head.weight"]
    return last @ head.T, last


def config_json(c):
    out = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
           "hidden_size": c["hidden_size"], "intermediate_size": c["intermediate_size"],
           "num_hidden_layers": c["num_hidden_layers"], "num_attention_heads": c["num_attention_heads"],
           "num_key_value_heads": c["num_key_value_heads"], "rms_norm_eps": c["rms_norm_eps"],
           "vocab_size": c["vocab_size"], "max_position_embeddings": 64,
           "tie_word_embeddings": c["tie_word_embeddings"], "bos_token_id": 1, "eos_token_id": 2,
           "torch_dtype": "float32"}
    if c.get("rope_parameters"):
        rope = {"rope_type": "linear", "factor": c["linear_factor"], "rope_theta": c["rope_theta"]}
        out["rope_parameters"] = rope
    else:
        out["rope_theta"] = c["rope_theta"]
        out["rope_scaling"] = None
    return out


def write_case(out, name, c):
    case = out / name
    case.mkdir(parents=True, exist_ok=True)
    w = weights(c)
    ids = torch.randint(0, c["vocab_size"], (1, SEQ_LEN), generator=torch.Generator().manual_seed(100 + c["seed"]))
    logits, last = forward(c, w, ids)
    (case / "config.json").write_text(json.dumps(config_json(c), indent=2) + "\n")
    arrays = {k: v.numpy() for k, v in w.items()}
    if c.get("rope_parameters"):
        hd = c["hidden_size"] // c["num_attention_heads"]
        arrays["model.layers.0.self_attn.rotary_emb.inv_freq"] = \
            (1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd))).numpy()
    if c["shards"] == 1:
        save(case / "model.safetensors", arrays, {"format": "pt"})
    else:
        names = sorted(arrays)
        half = len(names) // 2
        weight_map = {}
        for i, part in enumerate([names[:half], names[half:]]):
            shard = f"model-{i + 1:05d}-of-00002.safetensors"
            save(case / shard, {n: arrays[n] for n in part}, {"format": "pt"})
            weight_map.update({n: shard for n in part})
        total = sum(a.nbytes for a in arrays.values())
        (case / "model.safetensors.index.json").write_text(
            json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2) + "\n")
    save(case / "expected.safetensors", {"input_ids": ids.numpy().astype("<i8"),
                                         "logits": logits.float().numpy(),
                                         "last_hidden_state": last.float().numpy()})


def main(out_dir):
    torch.set_default_dtype(torch.float32)
    for name, c in CASES.items():
        write_case(Path(out_dir), name, c)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
