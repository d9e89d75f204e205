#!/usr/bin/env python3
"""Checks that a merged lntune export is laid out as the Python code that loads it expects.

    check_export_layout.py MERGED_DIR [--adapter ADAPTER_DIR ...]

MERGED_DIR is either layout lntune writes: the original LLaVA repository's (read by LLaVA's load_pretrained_model:
LlavaLlamaForCausalLM weights, the vision tower named by mm_vision_tower) or llava-hf's (read by transformers'
LlavaForConditionalGeneration, key names of transformers before 4.52 or after). transformers is not needed: the
key names and shapes each class expects are restated below from the config alone, as the modules of LlamaModel,
CLIPVisionModel and the two connectors define them. An --adapter (a PEFT adapter of the same model) is checked too:
LORA's target_modules must select exactly the language model's decoder linears in every layout, none of CLIP's, and
every saved tensor must fit the module it names.

Prints what it checked and exits 1 if anything is wrong. Standard library only (a safetensors header is 8 bytes of
little-endian length and JSON).
"""
import argparse
import json
import os
import re
import struct
import sys

PROBLEMS = []


def problem(text):
    PROBLEMS.append(text)
    print("PROBLEM: " + text)


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def header(path):
    """{name: (dtype, shape)} of a safetensors file."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        entries = json.loads(f.read(length))
    entries.pop("__metadata__", None)
    return {k: (v["dtype"], list(v["shape"])) for k, v in entries.items()}


def weights(directory):
    """Every tensor of a checkpoint directory: model.safetensors, or the shards its index names."""
    index = os.path.join(directory, "model.safetensors.index.json")
    if not os.path.exists(index):
        return header(os.path.join(directory, "model.safetensors"))
    weight_map = read_json(index)["weight_map"]
    out = {}
    for shard in sorted(set(weight_map.values())):
        for name, info in header(os.path.join(directory, shard)).items():
            if weight_map.get(name) != shard:
                problem("%s: %s is in %s but the index says %s" % (index, name, shard, weight_map.get(name)))
            out[name] = info
    missing = set(weight_map) - set(out)
    if missing:
        problem("%s names tensors no shard holds: %s" % (index, sorted(missing)[:5]))
    return out


def llama(prefix, head, t):
    """LlamaForCausalLM's parameters: the decoder under prefix, the output head as head (none when tied)."""
    h, i, n = t["hidden_size"], t["intermediate_size"], t["num_hidden_layers"]
    heads = t["num_attention_heads"]
    kv = t.get("num_key_value_heads") or heads
    v, d = t["vocab_size"], h // heads
    out = {prefix + "embed_tokens.weight": [v, h], prefix + "norm.weight": [h]}
    if not t.get("tie_word_embeddings", False):
        out[head] = [v, h]
    for layer in range(n):
        p = "%slayers.%d." % (prefix, layer)
        out.update({p + "input_layernorm.weight": [h], p + "post_attention_layernorm.weight": [h],
                    p + "self_attn.q_proj.weight": [heads * d, h], p + "self_attn.k_proj.weight": [kv * d, h],
                    p + "self_attn.v_proj.weight": [kv * d, h], p + "self_attn.o_proj.weight": [h, heads * d],
                    p + "mlp.gate_proj.weight": [i, h], p + "mlp.up_proj.weight": [i, h],
                    p + "mlp.down_proj.weight": [h, i]})
    return out


def clip(prefix, c):
    """CLIPVisionModel's parameters under prefix (its position_ids buffer is not saved since transformers 4.31)."""
    h, i, n = c.get("hidden_size", 768), c.get("intermediate_size", 3072), c.get("num_hidden_layers", 12)
    size, patch, channels = c.get("image_size", 224), c.get("patch_size", 32), c.get("num_channels", 3)
    p = prefix + "vision_model."
    out = {p + "embeddings.class_embedding": [h], p + "embeddings.patch_embedding.weight": [h, channels, patch, patch],
           p + "embeddings.position_embedding.weight": [(size // patch) ** 2 + 1, h]}
    for norm in ("pre_layrnorm", "post_layernorm"):
        out.update({p + norm + ".weight": [h], p + norm + ".bias": [h]})
    for layer in range(n):
        q = "%sencoder.layers.%d." % (p, layer)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            out.update({q + "self_attn." + proj + ".weight": [h, h], q + "self_attn." + proj + ".bias": [h]})
        for norm in ("layer_norm1", "layer_norm2"):
            out.update({q + norm + ".weight": [h], q + norm + ".bias": [h]})
        out.update({q + "mlp.fc1.weight": [i, h], q + "mlp.fc1.bias": [i], q + "mlp.fc2.weight": [h, i],
                    q + "mlp.fc2.bias": [h]})
    return out


def projector(names, kind, vision, text):
    """The connector's parameters; names(k) gives the key of the k-th linear (0-based)."""
    if kind == "linear":
        depth = 1
    else:
        m = re.fullmatch(r"mlp(\d+)x_gelu", kind)
        if not m:
            problem("mm_projector_type %r is neither linear nor mlpNx_gelu" % kind)
            return {}
        depth = int(m.group(1))
    out = {}
    for k in range(depth):
        width_in = vision if k == 0 else text
        out.update({names(k) + ".weight": [text, width_in], names(k) + ".bias": [text]})
    return out


def compare(what, actual, expected):
    """Key names and shapes of a checkpoint against the model's own."""
    missing = sorted(set(expected) - set(actual))
    unexpected = sorted(set(actual) - set(expected))
    wrong = sorted(k for k in set(actual) & set(expected) if actual[k][1] != expected[k])
    if missing:
        problem("%s: %d keys the model has are missing, e.g. %s" % (what, len(missing), missing[:3]))
    if unexpected:
        problem("%s: %d keys the model does not have, e.g. %s" % (what, len(unexpected), unexpected[:3]))
    for k in wrong[:5]:
        problem("%s: %s is %s, the model's is %s" % (what, k, actual[k][1], expected[k]))
    if not (missing or unexpected or wrong):
        dtypes = sorted({v[0] for v in actual.values()})
        print("ok: %s: %d tensors, names and shapes as the model's (%s)" % (what, len(actual), ", ".join(dtypes)))


def need_files(directory, names, why):
    for name in names:
        if not os.path.exists(os.path.join(directory, name)):
            problem("%s: no %s (%s)" % (directory, name, why))


def vision_config(tower_dir):
    c = read_json(os.path.join(tower_dir, "config.json"))
    return c["vision_config"] if c.get("model_type") == "clip" else c


def check_original(directory, c):
    """What LLaVA's builder.py and llava_arch.py read (LLaVA's repository, llava/model)."""
    if c.get("architectures") != ["LlavaLlamaForCausalLM"] or c.get("model_type") not in ("llava_llama", "llava"):
        problem("config: architectures %s, model_type %s: not LlavaLlamaForCausalLM's"
                % (c.get("architectures"), c.get("model_type")))
    for field in ("mm_vision_tower", "mm_hidden_size", "mm_projector_type", "mm_vision_select_layer",
                  "mm_vision_select_feature", "mm_use_im_start_end", "mm_use_im_patch_token", "image_aspect_ratio"):
        if field not in c:  # builder.py's default for mm_use_im_patch_token is True: it would add a token
            problem("config: no %s" % field)
    name = os.path.basename(os.path.abspath(directory))
    if "llava" not in name.lower():
        problem("folder %r: load_pretrained_model takes a folder without 'llava' in its name for a plain LM" % name)
    tower = c.get("mm_vision_tower", "")
    if os.path.isabs(tower) and os.path.isdir(tower):
        v = vision_config(tower)
        compare("vision tower " + tower, weights(tower), clip("", v))
        need_files(tower, ["preprocessor_config.json"], "CLIPVisionTower.load_model reads CLIPImageProcessor's")
        if c.get("mm_hidden_size") != v.get("hidden_size"):
            problem("config: mm_hidden_size %s, the tower's width %s" % (c.get("mm_hidden_size"), v.get("hidden_size")))
    elif re.fullmatch(r"(openai|laion)/[\w.-]+", tower):
        print("ok: vision tower %s: a model id build_vision_tower accepts (fetched by LLaVA, found in the cache by "
              "lntune); its weights are not checked here" % tower)
    else:
        problem("config: mm_vision_tower %r is neither an existing absolute path nor an openai/laion id: LLaVA's "
                "build_vision_tower raises 'Unknown vision tower'" % tower)
    mm = c.get("mm_hidden_size")
    expected = llama("model.", "lm_head.weight", c)
    expected.update(projector(lambda k: "model.mm_projector" if c["mm_projector_type"] == "linear"
                              else "model.mm_projector.%d" % (2 * k), c["mm_projector_type"], mm, c["hidden_size"]))
    compare("LlavaLlamaForCausalLM " + directory, weights(directory), expected)
    need_files(directory, ["tokenizer.model", "preprocessor_config.json"], "AutoTokenizer(use_fast=False), CLIP")
    return expected


def check_llava_hf(directory, c):
    """What transformers' LlavaConfig, LlavaForConditionalGeneration and LlavaProcessor read."""
    t, v = c["text_config"], c["vision_config"]
    if c.get("architectures") != ["LlavaForConditionalGeneration"] or c.get("model_type") != "llava":
        problem("config: architectures %s, model_type %s" % (c.get("architectures"), c.get("model_type")))
    if not 0 <= c.get("image_token_index", -1) < t["vocab_size"]:
        problem("config: image_token_index %s is not a vocabulary id (< %s)" % (c.get("image_token_index"),
                                                                                t["vocab_size"]))
    if c.get("projector_hidden_act") != "gelu" or c.get("vision_feature_select_strategy") not in ("default", "full"):
        problem("config: projector_hidden_act %s, vision_feature_select_strategy %s"
                % (c.get("projector_hidden_act"), c.get("vision_feature_select_strategy")))
    actual = weights(directory)
    new = any(k.startswith("model.language_model.") for k in actual)  # transformers >= 4.52
    lm, head, pre = ("model.language_model.", "lm_head.weight", "model.") if new else \
        ("language_model.model.", "language_model.lm_head.weight", "")
    expected = llama(lm, head, dict(t, tie_word_embeddings=c.get("tie_word_embeddings", False)))
    expected.update(clip(pre + "vision_tower.", v))
    expected.update(projector(lambda k: "%smulti_modal_projector.linear_%d" % (pre, k + 1), "mlp2x_gelu",
                              v["hidden_size"], t["hidden_size"]))
    compare("LlavaForConditionalGeneration " + directory, actual, expected)
    need_files(directory, ["tokenizer.model", "preprocessor_config.json", "processor_config.json"],
               "LlavaProcessor")
    processor = os.path.join(directory, "processor_config.json")
    if os.path.exists(processor) and read_json(processor).get("patch_size") != v["patch_size"]:
        problem("processor_config.json: patch_size differs from the vision tower's %s" % v["patch_size"])
    added = os.path.join(directory, "added_tokens.json")
    tokens = read_json(added) if os.path.exists(added) else {}
    if tokens.get("<image>", c["image_token_index"]) != c["image_token_index"]:
        problem("added_tokens.json gives <image> the id %s, the config %s" % (tokens["<image>"],
                                                                           c["image_token_index"]))
    return expected


def modules(parameters):
    """Every module that holds a parameter, as PEFT's named_modules lists them."""
    out = set()
    for name in parameters:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return out


def suffix_match(module, targets):
    """PEFT's test of a list of target names: the module is one, or ends with "." + one."""
    return any(module == t or module.endswith("." + t) for t in targets)


def check_lora_targets(adapter, targets, c, vision):
    """target_modules against the module names PEFT sees on LLaVA in each layout."""
    layouts = {
        "original": dict(llama("model.", "lm_head.weight", c), **clip("model.vision_tower.vision_tower.", vision)),
        "llava-hf (transformers < 4.52)": dict(llama("language_model.model.", "language_model.lm_head.weight", c),
                                               **clip("vision_tower.", vision)),
        "llava-hf (transformers >= 4.52)": dict(llama("model.language_model.", "lm_head.weight", c),
                                                **clip("model.vision_tower.", vision)),
    }
    decoder_linear = re.compile(r"(model\.|language_model\.model\.|model\.language_model\.)layers\.\d+\."
                                r"(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)")
    for layout, params in layouts.items():
        names = modules(params)
        matched = {m for m in names if re.fullmatch(targets, m)}
        linears = {m for m in names if decoder_linear.fullmatch(m)}
        clip_modules = {m for m in names if "vision_tower" in m}
        if not matched or not matched <= linears:
            problem("%s: target_modules %r selects %d modules in the %s layout, %d of them CLIP's"
                    % (adapter, targets, len(matched), layout, len(matched & clip_modules)))
        else:
            print("ok: LoRA target_modules select %d of the %d decoder linears in the %s layout, none of CLIP's "
                  "%d modules" % (len(matched), len(linears), layout, len(clip_modules)))


def check_adapter(adapter, c, original, vision):
    """A PEFT adapter of the original-layout model whose config c is and whose parameters original holds."""
    config = read_json(os.path.join(adapter, "adapter_config.json"))
    saved = header(os.path.join(adapter, "adapter_model.safetensors"))
    prefix = "base_model.model."
    if config.get("peft_type") == "LORA":
        targets = config["target_modules"]
        if not isinstance(targets, str):
            problem("%s: target_modules %s is a list of suffixes: it also matches CLIP's q_proj/k_proj/v_proj"
                    % (adapter, targets))
            return
        check_lora_targets(adapter, targets, c, vision)
        adapted = {m for m in modules(original) if re.fullmatch(targets, m)}
        for module in sorted(adapted):
            a = saved.get(prefix + module + ".lora_A.weight")
            b = saved.get(prefix + module + ".lora_B.weight")
            out_features, in_features = original[module + ".weight"]
            if not a or not b or a[1] != [config["r"], in_features] or b[1] != [out_features, config["r"]]:
                problem("%s: the LoRA matrices of %s are missing or misshapen: %s %s" % (adapter, module, a, b))
        whole = [k for k in saved if ".lora_" not in k]
        for key in whole:
            name = key[len(prefix):]
            if original.get(name) != saved[key][1] or not any(
                    suffix_match(m, config.get("modules_to_save") or []) for m in modules([name])):
                problem("%s: %s is no parameter of a module to save" % (adapter, key))
        print("ok: LORA adapter %s: r=%s, LoRA matrices for %d modules, %d tensors of modules to save"
              % (adapter, config["r"], len(adapted), len(whole)))
    elif config.get("peft_type") == "LN_TUNING":
        targets = config["target_modules"]
        for key, (_, shape) in saved.items():
            m = re.fullmatch(re.escape(prefix) + r"(.+)\.ln_tuning_layers\.(.+)", key)
            if not m or original.get(m.group(1) + "." + m.group(2)) != shape:
                problem("%s: %s names no parameter of that shape" % (adapter, key))
            elif not suffix_match(m.group(1), targets):
                problem("%s: %s is in no target module %s" % (adapter, key, targets))
        print("ok: LN_TUNING adapter %s: %d tensors, each a copy of a targeted module's parameter (targets %s)"
              % (adapter, len(saved), ", ".join(targets)))
    else:
        problem("%s: peft_type %s" % (adapter, config.get("peft_type")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("merged", help="a merged export (original or llava-hf layout)")
    parser.add_argument("--adapter", action="append", default=[], help="a PEFT adapter of the same model")
    args = parser.parse_args()
    c = read_json(os.path.join(args.merged, "config.json"))
    if "text_config" in c:
        print("llava-hf layout: %s" % args.merged)
        check_llava_hf(args.merged, c)
        if args.adapter:
            problem("adapters are checked against an original-layout export (their keys use its names)")
    else:
        print("original LLaVA layout: %s" % args.merged)
        original = check_original(args.merged, c)
        tower = c.get("mm_vision_tower", "")
        # a tower by model id: its module names only need a layer count, CLIP ViT-L's 24
        vision = vision_config(tower) if os.path.isabs(tower) else {"num_hidden_layers": 24}
        original.update(clip("model.vision_tower.vision_tower.", vision))
        for adapter in args.adapter:
            check_adapter(adapter, c, original, vision)
    print("%d problem(s)" % len(PROBLEMS))
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
