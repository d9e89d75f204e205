#!/usr/bin/python3
"""Writes LLaVA's rendered prompts, input ids and labels for sample conversations under every template, and LLaVA's
generation prompts for sample questions.

The logic re-states LLaVA's own (haotian-liu/LLaVA at c121f04: llava/conversation.py get_prompt and the
conv_vicuna_v0, conv_vicuna_v1, conv_llava_v1, conv_llama_2, conv_llava_llama_2 and conv_llava_plain templates,
llava/mm_utils.py tokenizer_image_token, llava/train/train.py preprocess_multimodal, preprocess_plain,
preprocess_v1, preprocess_llama_2 and the generic v0 preprocess with _add_speaker_and_signal and _mask_targets,
the pad choice of train()'s main path, and llava/eval/model_vqa.py's question prefix) in plain Python, over Google's
SentencePiece and the real LLaMA tokenizer.model, with Hugging Face's slow LlamaTokenizer restated in
hf_llama_tokenizer.py. It shares no code with lntune's Java.

    /usr/bin/python3 tools/scripts/make_template_goldens.py testdata/llama-tokenizer.model \
        training/src/test/resources/io/lntune/training/data/template-goldens.json

Setups (each a tokenizer and an image markup):
- legacy: the tokenizer without tokenizer_config.json (Hugging Face's default, legacy=True);
- non_legacy: legacy=False, as the tokenizer_config.json of Vicuna v1.5, liuhaotian/llava-v1.5-* and llava-hf say;
  preprocess_v1 then takes one more token off every later round (IS_TOKENIZER_GREATER_THAN_0_14 holds for the
  tokenizers 0.15.1 LLaVA pins);
- non_legacy_im_start_end: as non_legacy for a model trained with mm_use_im_start_end: <im_start> and <im_end> are
  added as special tokens after the pad token (train() sets the pad before initialize_vision_tokenizer adds them),
  and preprocess_multimodal writes every image as <im_start><image><im_end>.

A sample LLaVA would silently mask after a "tokenization mismatch" is written with "mismatch": [cur_len, total].
"""
import copy
import json
import sys

from hf_llama_tokenizer import HfLlamaTokenizer

IGNORE_INDEX = -100
IMAGE_TOKEN_INDEX = -200
IMAGE = "<image>"
IM_START, IM_END = "<im_start>", "<im_end>"

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
LLAVA_LLAMA_2 = ("You are a helpful language and vision assistant. You are able to understand the visual content "
                 "that the user provides, and assist the user with a variety of tasks using natural language.")
V0 = LLAVA_V1
V0_EXAMPLE = [
    ("Human", "What are the key differences between renewable and non-renewable energy sources?"),
    ("Assistant",
     "Renewable energy sources are those that can be replenished naturally in a relatively short amount of time, "
     "such as solar, wind, hydro, geothermal, and biomass. Non-renewable energy sources, on the other hand, are "
     "finite and will eventually be depleted, such as coal, oil, and natural gas. Here are some key differences "
     "between renewable and non-renewable energy sources:\n"
     "1. Availability: Renewable energy sources are virtually inexhaustible, while non-renewable energy sources are "
     "finite and will eventually run out.\n"
     "2. Environmental impact: Renewable energy sources have a much lower environmental impact than non-renewable "
     "sources, which can lead to air and water pollution, greenhouse gas emissions, and other negative effects.\n"
     "3. Cost: Renewable energy sources can be more expensive to initially set up, but they typically have lower "
     "operational costs than non-renewable sources.\n"
     "4. Reliability: Renewable energy sources are often more reliable and can be used in more remote locations "
     "than non-renewable sources.\n"
     "5. Flexibility: Renewable energy sources are often more flexible and can be adapted to different situations "
     "and needs, while non-renewable sources are more rigid and inflexible.\n"
     "6. Sustainability: Renewable energy sources are more sustainable over the long term, while non-renewable "
     "sources are not, and their depletion can lead to economic and social instability.\n"),
]

# name -> (style, system, roles, sep, sep2, example messages)
CONVERSATIONS = {
    "plain": ("PLAIN", "", ("", ""), "\n", None, []),
    "vicuna_v1": ("TWO", VICUNA_V1, ("USER", "ASSISTANT"), " ", "</s>", []),
    "llava_v1": ("TWO", LLAVA_V1, ("USER", "ASSISTANT"), " ", "</s>", []),
    "llama_2": ("LLAMA_2", LLAMA_2, ("USER", "ASSISTANT"), "<s>", "</s>", []),
    "llava_llama_2": ("LLAMA_2", LLAVA_LLAMA_2, ("USER", "ASSISTANT"), "<s>", "</s>", []),
    "v0": ("SINGLE", V0, ("Human", "Assistant"), "###", None, V0_EXAMPLE),
}
TEMPLATES = list(CONVERSATIONS)

SETUPS = {
    "legacy": {"legacy": True, "im_start_end": False},
    "non_legacy": {"legacy": False, "im_start_end": False},
    "non_legacy_im_start_end": {"legacy": False, "im_start_end": True},
}


def get_prompt(name, messages):
    """conversation.py's Conversation.get_prompt for (role, message or None) pairs."""
    style, system, roles, sep, sep2, _ = CONVERSATIONS[name]
    if style == "SINGLE":
        ret = system + sep
        for role, message in messages:
            ret += role + ": " + message + sep if message else role + ":"
    elif style == "TWO":
        seps = [sep, sep2]
        ret = system + seps[0]
        for i, (role, message) in enumerate(messages):
            ret += role + ": " + message + seps[i % 2] if message else role + ":"
    elif style == "LLAMA_2":
        ret = ""
        for i, (role, message) in enumerate(messages):
            if message:
                if i == 0:
                    message = f"<<SYS>>\n{system}\n<</SYS>>\n\n" + message
                ret += sep + f"[INST] {message} [/INST]" if i % 2 == 0 else " " + message + " " + sep2
        ret = ret.lstrip(sep)
    else:
        seps = [sep, sep2]
        ret = system
        for i, (role, message) in enumerate(messages):
            if message:
                ret += message + seps[i % 2]
    return ret


def tokenizer_for(setup, template, model_path):
    tok = HfLlamaTokenizer(model_path, legacy=SETUPS[setup]["legacy"])
    tok.set_pad("[PAD]" if template == "v0" else "<unk>")
    if SETUPS[setup]["im_start_end"]:
        tok.add_tokens([IM_START, IM_END], True)
    return tok


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


def preprocess_multimodal(turns, im_start_end):
    for t in turns:
        if IMAGE in t["value"]:
            t["value"] = (IMAGE + "\n" + t["value"].replace(IMAGE, "").strip()).strip()
        if im_start_end:
            t["value"] = t["value"].replace(IMAGE, IM_START + IMAGE + IM_END)
    return turns


def mask_rounds(prompt, tok, has_image, sep, sep2, v1):
    ids = tokens(prompt, tok, has_image)
    target = list(ids)
    total = sum(1 for i in ids if i != tok.pad_token_id)
    cur = 1
    target[:cur] = [IGNORE_INDEX] * len(target[:cur])
    for i, rou in enumerate(prompt.split(sep2)):
        if rou == "":
            break
        parts = rou.split(sep)
        if len(parts) != 2:
            break
        parts[0] += sep
        round_len = len(tokens(rou, tok, has_image))
        instruction_len = len(tokens(parts[0], tok, has_image)) - 2
        if v1 and i != 0 and not tok.legacy:
            round_len -= 1
            instruction_len -= 1
        for k in range(cur, min(cur + instruction_len, len(target))):
            target[k] = IGNORE_INDEX
        cur += round_len
    for k in range(cur, len(target)):
        target[k] = IGNORE_INDEX
    return ids, target, (None if cur == total else [cur, total])


def strip_leading_gpt(turns):
    return turns[1:] if turns[0]["from"] != "human" else turns


def conversation(name, turns):
    roles = CONVERSATIONS[name][2]
    return get_prompt(name, [(roles[0] if t["from"] == "human" else roles[1], t["value"]) for t in turns])


def run(setup, template, sample, model_path):
    turns = copy.deepcopy(sample["conversations"])
    has_image = "image" in sample
    if has_image:
        turns = preprocess_multimodal(turns, SETUPS[setup]["im_start_end"])
    tok = tokenizer_for(setup, template, model_path)
    mismatch = None
    if template == "plain":
        prompt = IMAGE + turns[1]["value"] + "\n"
        ids = tokenizer_image_token(prompt, tok)
        labels = list(ids)
        n = len(tokenizer_image_token(IMAGE, tok))
        labels[:n] = [IGNORE_INDEX] * n
    elif template in ("vicuna_v1", "llava_v1"):
        prompt = conversation(template, strip_leading_gpt(turns))
        ids, labels, mismatch = mask_rounds(prompt, tok, has_image, " ASSISTANT: ", "</s>", True)
    elif template in ("llama_2", "llava_llama_2"):
        prompt = conversation(template, strip_leading_gpt(turns))
        ids, labels, mismatch = mask_rounds(prompt, tok, has_image, "[/INST] ", "</s>", False)
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


def generation_prompt(setup, template, question, model_path):
    """model_vqa.py: the image goes in front of the question (wrapped when mm_use_im_start_end), earlier text-only
    exchanges first, then an empty assistant message; the prompt is tokenized with tokenizer_image_token."""
    image = IM_START + IMAGE + IM_END if SETUPS[setup]["im_start_end"] else IMAGE
    roles = CONVERSATIONS[template][2]
    messages = list(CONVERSATIONS[template][5])
    for q, a in question["shots"]:
        messages += [(roles[0], q), (roles[1], a)]
    messages += [(roles[0], image + "\n" + question["text"]), (roles[1], None)]
    prompt = get_prompt(template, messages)
    tok = tokenizer_for(setup, template, model_path)
    return {"setup": setup, "template": template, "question": question["text"], "shots": question["shots"],
            "prompt": prompt, "input_ids": tokenizer_image_token(prompt, tok)}


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
    {"id": "text-multi-turn", "conversations": [
        {"from": "human", "value": "Name a shape."},
        {"from": "gpt", "value": "A circle."},
        {"from": "human", "value": "And a colour?"},
        {"from": "gpt", "value": "Blue."}]},
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

QUESTIONS = [
    {"text": "What is in the picture?", "shots": []},
    {"text": "How many circles are there?\nAnswer the question using a single word or phrase.",
     "shots": [["What colour is the sky?", "Blue"], ["Is fire cold?", "No"]]},
]


def main(model_path, out_path):
    setups = {}
    for setup in SETUPS:
        goldens = {}
        for template in TEMPLATES:
            # plain (stage 1) takes one human/gpt pair with an image, as preprocess_plain asserts.
            samples = [s for s in SAMPLES
                       if template != "plain" or ("image" in s and len(s["conversations"]) == 2)]
            goldens[template] = [run(setup, template, s, model_path) for s in samples]
        setups[setup] = dict(SETUPS[setup], templates=goldens)
    # conv_llava_plain has no second separator: LLaVA's get_prompt fails on an earlier assistant message.
    prompts = [generation_prompt(setup, template, q, model_path) for setup in SETUPS for template in TEMPLATES
               for q in QUESTIONS if template != "plain" or not q["shots"]]
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"samples": SAMPLES, "setups": setups, "prompts": prompts}, f, ensure_ascii=True,
                  separators=(",", ":"))
        f.write("\n")
    for setup, s in setups.items():
        for t, rows in s["templates"].items():
            print(setup, t, len(rows), "samples,", sum(1 for r in rows if "mismatch" in r), "mismatched")
    print(len(prompts), "generation prompts")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
