"""A restatement of Hugging Face's slow LlamaTokenizer (transformers 4.37, the version LLaVA pins) over Google's
SentencePiece alone, for the scripts that write tokenizer and template goldens. It shares no code with lntune's Java.

What it restates (transformers src/transformers/models/llama/tokenization_llama.py and tokenization_utils.py):
- the text is split on added tokens (longest match at the leftmost position; none of the tokens used here strips
  spaces), every other piece goes to `_tokenize`, and the pieces become ids through the added-token table first,
  then SentencePiece's `piece_to_id`;
- legacy (the default): `_tokenize` is SentencePiece's own encode, dummy prefix included, for every piece;
- legacy=False: SentencePiece is loaded with `normalizer_spec.add_dummy_prefix = False` (here: a serialized
  NormalizerSpec appended to the model, which protobuf merges into the existing one, as transformers' MergeFrom
  does); `tokenize` turns every "▁" of the text into a space and puts one "▁" in front; `_tokenize` encodes a piece
  that starts with "▁" or a space behind the unknown token's text and drops that text's pieces; a leading lone
  "▁" before a special token (bos, eos, unk, pad, additional specials) is dropped;
- `tokenizer(text).input_ids` is BOS followed by the ids (add_bos_token true, add_eos_token false);
- `add_tokens(..., special_tokens=True)` gives new tokens the next ids and lists them among the special tokens.
"""
import sentencepiece

SPIECE_UNDERLINE = "\u2581"
# ModelProto field 3 (normalizer_spec, length 2) holding NormalizerSpec field 3 (add_dummy_prefix) = 0.
NO_DUMMY_PREFIX = b"\x1a\x02\x18\x00"


class HfLlamaTokenizer:
    def __init__(self, model_path, legacy=True):
        with open(model_path, "rb") as f:
            raw = f.read()
        self.sp = sentencepiece.SentencePieceProcessor()
        self.sp.LoadFromSerializedProto(raw if legacy else raw + NO_DUMMY_PREFIX)
        self.legacy = legacy
        self.unk_token = "<unk>"
        self.unk_token_length = len(self.sp.encode(self.unk_token))
        self.added = {"<unk>": 0, "<s>": 1, "</s>": 2}
        self.special = set(self.added)
        self.bos_token_id = 1
        self.pad_token_id = None

    def add_tokens(self, tokens, special):
        """transformers' add_tokens: a token not known yet gets the next id."""
        for t in tokens:
            if t not in self.added:
                self.added[t] = self.sp.get_piece_size() + sum(1 for i in self.added.values()
                                                               if i >= self.sp.get_piece_size())
                if special:
                    self.special.add(t)

    def set_pad(self, token):
        """LLaVA's pad choice: an existing token (unk), or a new special token added for it ([PAD])."""
        self.add_tokens([token], True)
        self.special.add(token)
        self.pad_token_id = self.added[token]

    def vocab_size(self):
        return self.sp.get_piece_size() + sum(1 for i in self.added.values() if i >= self.sp.get_piece_size())

    def _split(self, text):
        parts, start, i = [], 0, 0
        while i < len(text):
            match = max((t for t in self.added if text.startswith(t, i)), key=len, default=None)
            if match is None:
                i += 1
                continue
            if start < i:
                parts.append(text[start:i])
            parts.append(match)
            i += len(match)
            start = i
        if start < len(text):
            parts.append(text[start:])
        return parts

    def _tokenize(self, text):
        if self.legacy or not text.startswith((SPIECE_UNDERLINE, " ")):
            return self.sp.encode(text, out_type=str)
        tokens = self.sp.encode(self.unk_token + text, out_type=str)
        return tokens[self.unk_token_length:] if len(tokens) >= self.unk_token_length else tokens

    def tokenize(self, text):
        prefixed = not self.legacy and len(text) > 0
        if prefixed:
            text = SPIECE_UNDERLINE + text.replace(SPIECE_UNDERLINE, " ")
        tokens = []
        for part in self._split(text):
            tokens.extend([part] if part in self.added else self._tokenize(part))
        if prefixed and len(tokens) > 1 and tokens[0] == SPIECE_UNDERLINE and tokens[1] in self.special:
            tokens = tokens[1:]
        return tokens

    def encode(self, text):
        """The ids of the text, no BOS or EOS."""
        return [self.added[t] if t in self.added else self.sp.piece_to_id(t) for t in self.tokenize(text)]

    def __call__(self, text):
        return [self.bos_token_id] + self.encode(text)
