#!/usr/bin/env python3
"""The peer `lntune bench --baseline python` measures lntune against: the bench's training step, written
in plain PyTorch eager (Debian's python3-torch; no other package).

The model has the shape of the bench size (a LLaMA decoder: RMSNorm, rotary embeddings, causal attention
with grouped key-value heads where the size has them, SwiGLU, an untied head), random weights, cast whole to bf16, as a Python user
would run it. One sequence of random tokens, the next-token loss over every position in fp32, AdamW
(torch's betas and eps) on the strategy's trainable tensors, gradient clipping at 1.0:

  LAYERNORM         block norms + final norm + embeddings + head
  LAYERNORM_SIMPLE  block norms + final norm
  LORA              r=64 alpha=16 dropout 0.05 on all seven block linears + embeddings + head
  FULL              everything

Prints one JSON object: the strategy, each measured step's milliseconds and their median, and the process's
peak resident memory.

  python3 bench_step_eager.py --size small --strategy LAYERNORM --warmup 3 --steps 8
"""

import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

SIZES = {  # hidden, intermediate, layers, heads, key-value heads, vocabulary, sequence: lntune's BenchSize
    "tiny": (64, 128, 2, 4, 2, 256, 64),
    "small": (768, 2048, 12, 12, 12, 8192, 512),
    "medium": (1024, 3072, 24, 16, 16, 8192, 512),
}


class RmsNorm(nn.Module):
    def __init__(self, width, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


class LoraLinear(nn.Module):
    """A frozen linear plus PEFT's low-rank branch: B(A(dropout(x))) * alpha / r."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.dropout = nn.Dropout(dropout)
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(self.dropout(x))) * self.scale


def rotary(sequence, head_dim, theta=10000.0):
    inverse = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
    angles = torch.outer(torch.arange(sequence).float(), inverse)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    turned = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + turned * sin


class Block(nn.Module):
    def __init__(self, width, intermediate, heads, kv_heads):
        super().__init__()
        self.heads = heads
        self.kv_heads = kv_heads
        self.input_layernorm = RmsNorm(width)
        self.post_attention_layernorm = RmsNorm(width)
        self.q_proj = nn.Linear(width, width, bias=False)
        self.k_proj = nn.Linear(width, width // heads * kv_heads, bias=False)
        self.v_proj = nn.Linear(width, width // heads * kv_heads, bias=False)
        self.o_proj = nn.Linear(width, width, bias=False)
        self.gate_proj = nn.Linear(width, intermediate, bias=False)
        self.up_proj = nn.Linear(width, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, width, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, d = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, self.heads, d // self.heads).transpose(1, 2)
        k, v = (p(h).view(b, t, self.kv_heads, d // self.heads).transpose(1, 2)
                for p in (self.k_proj, self.v_proj))
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        k, v = (x.repeat_interleave(self.heads // self.kv_heads, dim=1) for x in (k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads) + mask
        attention = F.softmax(scores.float(), dim=-1).to(q.dtype) @ v
        x = x + self.o_proj(attention.transpose(1, 2).reshape(b, t, d))
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Decoder(nn.Module):
    def __init__(self, width, intermediate, layers, heads, kv_heads, vocab):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, width)
        self.layers = nn.ModuleList(Block(width, intermediate, heads, kv_heads) for _ in range(layers))
        self.norm = RmsNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.heads = heads

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed_tokens(ids)
        cos, sin = (a.to(x.dtype) for a in rotary(t, x.shape[-1] // self.heads))
        mask = torch.full((t, t), float("-inf"), dtype=x.dtype).triu(1)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))


def trainable(model, strategy):
    """Attaches LoRA where asked and marks what the strategy trains; returns those parameters."""
    if strategy == "LORA":
        for block in model.layers:
            for name in ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"):
                setattr(block, name, LoraLinear(getattr(block, name), 64, 16, 0.05))
    norms = ("input_layernorm", "post_attention_layernorm", "norm.weight")
    for name, p in model.named_parameters():
        if strategy == "FULL":
            p.requires_grad_(True)
        elif strategy == "LORA":
            p.requires_grad_("lora_" in name or name.startswith(("embed_tokens", "lm_head")))
        elif strategy in ("LAYERNORM", "LAYERNORM_SIMPLE"):
            trains = any(n in name for n in norms)
            if strategy == "LAYERNORM":
                trains = trains or name.startswith(("embed_tokens", "lm_head"))
            p.requires_grad_(trains)
        else:
            raise SystemExit(f"--strategy must be LAYERNORM, LAYERNORM_SIMPLE, LORA or FULL, got {strategy}")
    return [p for p in model.parameters() if p.requires_grad]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", choices=sorted(SIZES))
    parser.add_argument("--strategy", default="LAYERNORM")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--threads", type=int, default=0, help="torch threads; 0 keeps torch's choice")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    width, intermediate, layers, heads, kv_heads, vocab, sequence = SIZES[args.size]
    model = Decoder(width, intermediate, layers, heads, kv_heads, vocab)
    for p in model.parameters():
        nn.init.normal_(p, std=0.02)
    for name, p in model.named_parameters():
        if "layernorm" in name or name == "norm.weight":
            nn.init.ones_(p)
    params = trainable(model, args.strategy)
    model.to(torch.bfloat16).train()
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    ids = torch.randint(0, vocab, (1, sequence))
    millis, losses = [], []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].float().reshape(-1, vocab), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        elapsed = (time.perf_counter() - start) * 1000
        if step >= args.warmup:
            millis.append(elapsed)
            losses.append(loss.item())
    print(json.dumps({"strategy": args.strategy, "size": args.size, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "trainable": sum(p.numel() for p in params),
                      "step_ms": millis, "median_ms": statistics.median(millis), "losses": losses,
                      # the process's resident high-water mark (Linux reports KiB)
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    main()
