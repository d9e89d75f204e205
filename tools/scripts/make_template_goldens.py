#!/usr/bin/python3
"""Writes LLaVA's rendered prompts, input ids and labels for sample conversations under every template.

The logic re-states LLaVA's own (haotian-liu/LLaVA at c121f04: llava/conversation.py get_prompt, llava/mm_utils.py
tokenizer_image_token, llava/train/train.py preprocess_multimodal, preprocess_plain, preprocess_v1,
preprocess_llama_2 and the generic v0 preprocess with _add_speaker_and_signal and _mask_targets) in plain Python,
over Google's SentencePiece and the real LLaMA tokenizer.model, with the slow Hugging Face LlamaTokenizer's
behaviour that LLaVA relies on (legacy mode: text is split on the special tokens <s>, </s>, <unk> and, for v0,
the added [PAD]; each piece is encoded by SentencePiece with its dummy prefix; BOS in front). It shares no code
with lntune's Java.

    /usr/bin/python3 tools/scripts/make_template_goldens.py testdata/llama-tokenizer.model \
        training/src/test/resources/io/lntune/training/data/template-goldens.json

A sample LLaVA would silently mask after a "tokenization mismatch" is written with "mismatch": [cur_len, total].
"""
import copy
import json
import sys

import sentencepiece

IGNORE_INDEX = -100
IMAGE_TOKEN_INDEX = -200
IMAGE = "<image>"

VICUNA_V1 = ("A chat between a curious user and an artificial intelligence assistant. "
             "The assistant gives helpful, detailed, and polite answers to the user's questions.")
LLAVA_V1 = ("A chat between a curious human and an artificial intelligence assistant. "
            "The assistant gives helpful, detailed, and polite answers to the human's questions.")
LLAMA_2 = ("You are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while being "
           "safe.  Your answers should not include any harmful, unethical, racist, sexist, toxic, dangerous, or "
           "illegal content. Please ensure that your responses are socially unbiased and positive in nature.\n\n"
           "If a question does not make any sense, or is not factually coherent, explain why instead of answering "
           "something not correct. If you don't know the answer to a question, please don't share false "
           "information.")
V0 = VICUNA_V1.replace("curious user", "curious human").replace("user's", "human's")


class SlowLlamaTokenizer:
    """The parts of transformers' slow LlamaTokenizer (legacy) that LLaVA's preprocessing uses."""

    def __init__(self, sp, pad_token):
        self.sp = sp
        self.special = {"<unk>": 0, "<s>": 1, "</s>": 2}
        if pad_token not in self.special:
            self.special[pad_token] = sp.get_piece_size()
        self.pad_token_id = self.special[pad_token]
        self.bos_token_id = 1

    def encode_text(self, text):
        ids, start, i = [], 0, 0
        while i < len(text):
            match = max((t for t in self.special if text.startswith(t, i)), key=len, default=None)
            if match is None:
                i += 1
                continue
            if start < i:
                ids += self.sp.encode(text[start:i])
            ids.append(self.special[match])
            i += len(match)
            start = i
        if start < len(text):
            ids += self.sp.encode(text[start:])
        return ids

    def __call__(self, text):
        return [self.bos_token_id] + self.encode_text(text)


def tokenizer_image_token(prompt, tok):
    chunks = [tok(c) for c in prompt.split(IMAGE)]
    out, offset = [], 0
    if chunks and chunks[0] and chunks[0][0] == tok.bos_token_id:
        offset = 1
        out.append(chunks[0][0])
    for i, c in enumerate(chunks):
        if i > 0:
            out.append(IMAGE_TOKEN_INDEX)
        out.extend(c[offset:])
    return out


def tokens(text, tok, has_image):
    return tokenizer_image_token(text, tok) if has_image else tok(text)


def preprocess_multimodal(turns):
    for t in turns:
        if IMAGE in t["value"]:
            t["value"] = (IMAGE + "\n" + t["value"].replace(IMAGE, "").strip()).strip()
    return turns


def prompt_two(system, turns):
    ret = system + " "
    for i, t in enumerate(turns):
        role = "USER" if t["from"] == "human" else "ASSISTANT"
        ret += role + ": " + t["value"] + (" " if i % 2 == 0 else "</s>")
    return ret


def prompt_llama_2(turns):
    ret = ""
    for i, t in enumerate(turns):
        msg = t["value"]
        if i == 0:
            msg = f"<<SYS>>\n{LLAMA_2}\n<</SYS>>\n\n" + msg
        ret += "<s>" + f"[INST] {msg} [/INST]" if i % 2 == 0 else " " + msg + " </s>"
    return ret.lstrip("<s>")


def mask_rounds(prompt, tok, has_image, sep, sep2):
    ids = tokens(prompt, tok, has_image)
    target = list(ids)
    total = sum(1 for i in ids if i != tok.pad_token_id)
    cur = 1
    target[:cur] = [IGNORE_INDEX] * len(target[:cur])
    for rou in prompt.split(sep2):
        if rou == "":
            break
        parts = rou.split(sep)
        if len(parts) != 2:
            break
        parts[0] += sep
        round_len = len(tokens(rou, tok, has_image))
        instruction_len = len(tokens(parts[0], tok, has_image)) - 2
        for k in range(cur, min(cur + instruction_len, len(target))):
            target[k] = IGNORE_INDEX
        cur += round_len
    for k in range(cur, len(target)):
        target[k] = IGNORE_INDEX
    return ids, target, (None if cur == total else [cur, total])


def strip_leading_gpt(turns):
    return turns[1:] if turns[0]["from"] != "human" else turns


def run(template, sample, sp):
    turns = copy.deepcopy(sample["conversations"])
    has_image = "image" in sample
    if has_image:
        turns = preprocess_multimodal(turns)
    tok = SlowLlamaTokenizer(sp, "[PAD]" if template == "v0" else "<unk>")
    mismatch = None
    if template == "plain":
        prompt = IMAGE + turns[1]["value"] + "\n"
        ids = tokenizer_image_token(prompt, tok)
        labels = list(ids)
        n = len(tokenizer_image_token(IMAGE, tok))
        labels[:n] = [IGNORE_INDEX] * n
    elif template in ("vicuna_v1", "llava_v1"):
        turns = strip_leading_gpt(turns)
        prompt = prompt_two(VICUNA_V1 if template == "vicuna_v1" else LLAVA_V1, turns)
        ids, labels, mismatch = mask_rounds(prompt, tok, has_image, " ASSISTANT: ", "</s>")
    elif template == "llama_2":
        turns = strip_leading_gpt(turns)
        prompt = prompt_llama_2(turns)
        ids, labels, mismatch = mask_rounds(prompt, tok, has_image, "[/INST] ", "</s>")
    else:
        header = V0 + "\n\n"
        signalled = ["### " + ("Human" if t["from"] == "human" else "Assistant") + ": " + t["value"] + "\n"
                     for t in turns]
        prompt = header + "".join(signalled) + "### "
        ids = tokens(prompt, tok, has_image)
        labels = list(ids)

        def length(text):
            t = tokens(text, tok, has_image)
            return len(t) if has_image else sum(1 for i in t if i != tok.pad_token_id)

        cur = length(header)
        labels[:cur] = [IGNORE_INDEX] * len(labels[:cur])
        for text, t in zip(signalled, turns):
            n = length(text)
            if t["from"] == "human":
                for k in range(cur + 2, min(cur + n, len(labels))):
                    labels[k] = IGNORE_INDEX
            cur += n
    out = {"id": sample["id"], "prompt": prompt, "input_ids": ids, "labels": labels}
    if mismatch:
        out["mismatch"] = mismatch
    return out


SAMPLES = [
    {"id": "img-one-turn", "image": "a.png", "conversations": [
        {"from": "human", "value": "What colour is the square?\n<image>"},
        {"from": "gpt", "value": "The square is red."}]},
    {"id": "img-multi-turn", "image": "b.png", "conversations": [
        {"from": "human", "value": "<image>\nHow many circles are there?"},
        {"from": "gpt", "value": "There are 3 circles."},
        {"from": "human", "value": "Where is the green triangle?"},
        {"from": "gpt", "value": "It is at the top left.\nNothing else is there."},
        {"from": "human", "value": "Is there a star? Answer yes or no."},
        {"from": "gpt", "value": "No"}]},
    {"id": "text-only", "conversations": [
        {"from": "human", "value": "Write a haiku about shapes."},
        {"from": "gpt", "value": "Circles roll along,\nsquares sit still; triangles point\nto the bright blue sky."}]},
    {"id": "leading-gpt", "image": "c.png", "conversations": [
        {"from": "gpt", "value": "Hello, ask me about the picture."},
        {"from": "human", "value": "  Describe the image. <image> "},
        {"from": "gpt", "value": "A yellow star below two purple squares."}]},
    {"id": "unicode", "image": "d.png", "conversations": [
        {"from": "human", "value": "<image>\nQuelle est la forme à gauche ? 形は何ですか"},
        {"from": "gpt", "value": "Un cercle 🔵 — 円です。"}]},
    {"id": "caption", "image": "e.png", "conversations": [
        {"from": "human", "value": "Give a brief description of the image.\n<image>"},
        {"from": "gpt", "value": "two red circles and a blue square on a white background"}]},
    {"id": "reply-with-marker", "image": "f.png", "conversations": [
        {"from": "human", "value": "<image>\nRepeat after me: ASSISTANT: ok"},
        {"from": "gpt", "value": "ok"}]},
    {"id": "text-with-inst", "conversations": [
        {"from": "human", "value": "What does [/INST] mean?"},
        {"from": "gpt", "value": "It closes an instruction in the Llama-2 format."}]},
]

TEMPLATES = ["plain", "vicuna_v1", "llava_v1", "llama_2", "v0"]


def main(model_path, out_path):
    sp = sentencepiece.SentencePieceProcessor(model_file=model_path)
    goldens = {}
    for template in TEMPLATES:
        # plain (stage 1) takes one human/gpt pair with an image, as preprocess_plain asserts.
        samples = [s for s in SAMPLES if template != "plain" or ("image" in s and len(s["conversations"]) == 2)]
        goldens[template] = [run(template, s, sp) for s in samples]
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"samples": SAMPLES, "templates": goldens}, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    for t, rows in goldens.items():
        print(t, len(rows), "samples,", sum(1 for r in rows if "mismatch" in r), "mismatched")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
