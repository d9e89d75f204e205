#!/usr/bin/python3
"""Writes the expected SentencePiece ids of varied strings for lntune's tokenizer tests.

The ids come from Google's SentencePiece itself (Debian's python3-sentencepiece, 0.1.97 when these goldens were
made) running the real LLaMA tokenizer.model, so the Java tokenizer is checked against the reference
implementation, not against itself. Each string also carries "non_legacy": the ids Hugging Face's slow
LlamaTokenizer gives it with legacy=False (restated in hf_llama_tokenizer.py over SentencePiece), as the
tokenizer_config.json of Vicuna v1.5, LLaVA-1.5 and llava-hf asks.

    apt-get install -y --no-install-recommends python3-sentencepiece
    /usr/bin/python3 tools/scripts/make_tokenizer_goldens.py \
        testdata/llama-tokenizer.model \
        models/src/test/resources/io/lntune/models/tokenizer/llama-goldens.json

The strings are a fixed hand-written list (scripts, emoji, whitespace runs, tabs and newlines, digits, control
characters, characters only byte fallback can encode, LLaVA prompts) plus strings drawn from those pools with a
seeded random generator, so the file is the same on every run.
"""
import json
import random
import sys

import sentencepiece

from hf_llama_tokenizer import HfLlamaTokenizer

HAND = [
    "Hello world", "hello world", "HELLO WORLD", "Hello, world!", " Hello world", "Hello world ", "  Hello  world  ",
    "", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n\n", " \n ", "\t\tindented\ttabs\t", "a\tb\nc\rd",
    "line one\nline two\n", "trailing spaces   ", "   leading spaces", "multiple     spaces     inside",
    "0", "1", "12", "123", "1234567890", "3.14159", "-42", "1,000,000", "2024-05-12", "v1.5", "x=1+2*3/4",
    "phone: +1 (555) 123-4567", "The year 1999 had 365 days.",
    "naïve café résumé", "Ünïcödé", "Größe Straße", "ñandú", "Ærøskøbing", "Ελληνικά γράμματα", "Привет, мир!",
    "Здравствуйте", "שלום עולם", "مرحبا بالعالم", "नमस्ते दुनिया", "বাংলা", "ਪੰਜਾਬੀ", "தமிழ்", "తెలుగు", "ಕನ್ನಡ",
    "മലയാളം", "ไทย ภาษา", "ລາວ", "မြန်မာ", "ქართული", "Հայերեն", "አማርኛ", "ᚠᚢᚦᚨᚱᚲ", "中文字符测试", "日本語のテキスト",
    "ひらがな カタカナ", "한국어 텍스트", "繁體中文", "𠜎𠜱𠝹𠱓", "Tiếng Việt có dấu", "Türkçe ğüşıöç", "Polski źdźbło",
    "Čeština", "Română ș ț", "Íslenska þ ð", "emoji 😀", "😀😃😄😁", "👍🏽", "👨‍👩‍👧‍👦 family", "🇫🇷🇯🇵", "❤️", "☃ ★ ☂",
    "🤖 robots", "a😀b", "∑∫∂√∞≠≤≥", "αβγδε", "→ ← ↑ ↓", "©®™", "§¶†‡", "½ ¼ ¾", "€ £ ¥ ₹ ₿", "…", "—–-",
    "“quoted” ‘single’", "«guillemets»", "\u00a0non-breaking\u00a0space", "zero\u200bwidth", "\u2028\u2029",
    "\ufeffBOM", "\u0000", "\u0001\u0002\u0003", "bell\u0007", "esc\u001b[0m", "del\u007f", "\u0085next line",
    "\ufffd replacement", "\U0001F9EC dna", "\U000E0041 tag", "\uE000 private use", "\U0010FFFD plane 16",
    "combining e\u0301 a\u0308", "Hangul jamo \u1100\u1161", "ﬁ ligature", "ＦＵＬＬＷＩＤＴＨ", "ｶﾀｶﾅ",
    "▁ lower one eighth block", "▁▁▁", "<s>", "</s>", "<unk>", "<0x0A>", "<image>", "<im_start> <im_end>",
    "[INST]", "<<SYS>>", "###", "@@@", "~~~", "```python\nprint('hi')\n```", "def f(x):\n    return x * 2\n",
    "{\"json\": [1, 2, 3]}", "<html><body>x</body></html>", "SELECT * FROM t WHERE a = 'b';",
    "https://example.com/path?q=1&r=2#frag", "user@example.com", "C:\\Windows\\System32", "/usr/local/bin",
    "snake_case camelCase PascalCase kebab-case", "supercalifragilisticexpialidocious", "pneumonoultramicroscopic",
    "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababab", "the the the the", "I'm can't won't", "'''\"\"\"",
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed,"
    " and polite answers to the user's questions.",
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed,"
    " and polite answers to the user's questions. USER: <image>\nWhat is in the picture? ASSISTANT:",
    " USER: ", "USER: What color is the square? ASSISTANT: The square is red.", "ASSISTANT: ", " ASSISTANT: Yes",
    "Human: What is shown? ###Assistant: A cat.###", "### Human: hi\n### Assistant: hello\n### ",
    "[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nDescribe the image. [/INST]",
    " The image shows two blue circles. ", "\nWhat is the color of the triangle?\nAnswer with a single word.",
    "There are 3 red squares at the top left.", "Is there a green star? Yes", "How many shapes are there? 7",
    # special tokens inside text: where legacy and non-legacy tokenizers differ
    "A cat.</s>USER: hi<s> <unk>x", "Hello</s>USER: What is it? ASSISTANT: A dog.</s>", "<s>[INST] hi [/INST]",
    " </s> x", "</s>\nnext", "x</s></s>y", "<s>", "<s> ", "<s>▁a", "▁<s>", "a ▁ b", "</s>   three spaces",
]

POOLS = {
    "latin": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digits": "0123456789",
    "space": " \t\n\r\u00a0\u3000",
    "punct": ".,;:!?'\"()[]{}<>-_/\\@#$%^&*+=~`|",
    "accents": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœšž",
    "greek_cyrillic": "αβγδεζηθλμπσφψωАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯабвгдежзиклмнопрстуфхцчшщэюя",
    "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长",
    "kana_hangul": "あいうえおかきくけこアイウエオカキクケコ가나다라마바사아자차카타파하",
    "indic_arabic": "अआइईउऊकखगघचछजझटठडढणतथदधनपफबभमयरलवशसहابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "emoji": ["😀", "😂", "🥰", "👍", "🔥", "✨", "🚀", "🌍", "🎉", "💡", "🐱", "🍕", "👩‍💻", "🏳️‍🌈", "✅", "❌"],
    "control": "".join(chr(c) for c in list(range(0, 9)) + list(range(11, 32)) + [0x7f, 0x80, 0x9f]),
    "rare": "龘鱻麤灥靐齉爩𪚥𠀀𡃁𤭢𨳒𩸽丨丶丿乀乁乂乄乆乑",
    "symbols": "∀∃∈∉∩∪⊂⊃⊕⊗≈≡≪≫♠♣♥♦♪♫☀☁☎☯⚡⚽⛄",
}


def random_string(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        pool = POOLS[rng.choice(sorted(POOLS))]
        run = rng.randint(1, 8)
        parts.append("".join(rng.choice(pool) for _ in range(run)))
        if rng.random() < 0.5:
            parts.append(" " * rng.randint(1, 3))
    return "".join(parts)


def main(model_path, out_path):
    sp = sentencepiece.SentencePieceProcessor(model_file=model_path)
    non_legacy = HfLlamaTokenizer(model_path, legacy=False)
    rng = random.Random(20240512)
    texts = list(HAND) + [random_string(rng) for _ in range(120)]
    cases = []
    for text in texts:
        ids = sp.encode(text)
        cases.append({"text": text, "ids": ids, "non_legacy": non_legacy.encode(text)})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"sentencepiece": sentencepiece.__version__, "model": "llama-tokenizer.model", "cases": cases},
                  f, ensure_ascii=True, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} strings written to {out_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
