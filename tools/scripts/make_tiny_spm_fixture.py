#!/usr/bin/python3
"""Trains a tiny SentencePiece BPE model whose settings differ from LLaMA's, and writes its expected ids.

LLaMA's tokenizer.model never removes extra whitespace, has no user-defined symbols and always falls back to
bytes. This model exercises those other branches of SentencePiece: remove_extra_whitespaces=true,
user-defined symbols matched whole, no byte fallback (unknown characters become <unk>, a run of them one <unk>).

    /usr/bin/python3 tools/scripts/make_tiny_spm_fixture.py models/src/test/resources/io/lntune/models/tokenizer
"""
import io
import json
import os
import sys

import sentencepiece

CORPUS = [
    "the red square is at the top left of the picture",
    "two blue circles are below a green triangle",
    "how many shapes are there in the image",
    "the yellow star sits in the middle",
    "a purple square and an orange circle",
    "there are three shapes: a circle, a square and a star",
    "is the triangle red? no, it is green",
] * 20

TEXTS = [
    "the red square", "  the   red    square  ", "\tthe red\tsquare\n", "how many shapes?", "",
    "     ", "the <image> is @@ here", "<image><image>", "x@@y", "qqq zzz", "the ümlaut Ж 😀 shape",
    "ЖЖЖ and 😀😀", "a  b   c", " leading", "trailing ", "mid  dle", "the triangle is at the bottom right",
]


def main(out_dir):
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS), model_writer=model, model_type="bpe", vocab_size=80,
        normalization_rule_name="identity", remove_extra_whitespaces=True, byte_fallback=False,
        user_defined_symbols=["<image>", "@@"], character_coverage=1.0, minloglevel=2)
    data = model.getvalue()
    with open(os.path.join(out_dir, "tiny-bpe.model"), "wb") as f:
        f.write(data)
    sp = sentencepiece.SentencePieceProcessor(model_proto=data)
    cases = [{"text": t, "ids": sp.encode(t), "decoded": sp.decode(sp.encode(t))} for t in TEXTS]
    with open(os.path.join(out_dir, "tiny-goldens.json"), "w", encoding="utf-8") as f:
        json.dump({"sentencepiece": sentencepiece.__version__, "model": "tiny-bpe.model", "cases": cases}, f,
                  ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(f"tiny-bpe.model ({len(data)} bytes) and {len(cases)} cases written to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1])
