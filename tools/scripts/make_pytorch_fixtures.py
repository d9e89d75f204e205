#!/usr/bin/python3
"""Writes the PyTorch checkpoint fixtures (torch.save zip archives) that lntune's pickle reader is tested against.

Uses only Debian's python3-torch (1.13): every good file is written by torch.save itself, every bad one by torch's
own archive writer (torch._C.PyTorchFileWriter, which torch.save uses) around a pickle made as torch.save makes it
(a persistent_id per storage, _rebuild_tensor_v2 per tensor) or by hand. It writes

  every_dtype.bin        model.state_dict() of a small module (an OrderedDict with _metadata): float32, float16,
                         bfloat16, float64, int64, int32, int16, int8, uint8 and bool tensors, a 0-d and an empty one;
  views.bin              tensors sharing storages: a base matrix, a row, its transpose, narrowed and strided views
                         with offsets, a bfloat16 view at an odd element offset, and one tensor under two names;
  sharded/               pytorch_model-0000N-of-00002.bin and pytorch_model.bin.index.json, as transformers shards;
  mm_projector.bin       a LLaVA stage-1 connector: model.mm_projector.{0,2}.{weight,bias} (shrunk, bfloat16);
  legacy.bin             the pre-1.6 format (_use_new_zipfile_serialization=False);
  module.bin             a whole nn.Linear, not a state dict (its class is no allowed global);
  hostile_system.bin     a pickle that calls posix.system when loaded (checked here: plain pickle runs it);
  hostile_eval.bin       a pickle that calls builtins.eval;
  view_out_of_bounds.bin a [3, 3] view of a storage of 6 floats;
  short_storage.bin      a storage declared as 8 floats whose record holds 4;
  expected.json          for each tensor of the good files: dtype, shape, stride, storage offset, raw bytes as hex.

Each good file loads with torch.load(weights_only=True) and each bad one fails there too, checked before writing.

Usage: /usr/bin/python3 tools/scripts/make_pytorch_fixtures.py native/src/test/resources/io/lntune/torch/pytorch
"""
import collections
import io
import json
import os
import pickle
import sys
from pathlib import Path

import torch

HOSTILE_MARKER = "/tmp/lntune-hostile-pickle-ran"
DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
               torch.bool: "BOOL"}


class EveryDtype(torch.nn.Module):
    """Parameters in the three float types LLaVA checkpoints use, buffers in every other storage type."""

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(3, 2)
        self.norm = torch.nn.LayerNorm(4).half()
        self.head = torch.nn.Linear(2, 3, bias=False).bfloat16()
        self.register_buffer("position_ids", torch.arange(5).unsqueeze(0))
        self.register_buffer("mask", torch.tensor([[True, False, True], [False, False, True]]))
        self.register_buffer("f64", torch.tensor([1.0 / 3.0, -2.5e-300, 1e300]))
        self.register_buffer("i32", torch.tensor([-(2**31), 2**31 - 1, 7], dtype=torch.int32))
        self.register_buffer("i16", torch.tensor([-32768, 32767], dtype=torch.int16))
        self.register_buffer("i8", torch.tensor([-128, 127, 5], dtype=torch.int8))
        self.register_buffer("u8", torch.tensor([[0, 255], [17, 1]], dtype=torch.uint8))
        self.register_buffer("scalar", torch.tensor(3.5))
        self.register_buffer("empty", torch.zeros(0, 4))
        self.f64 = self.f64.double()


def every_dtype():
    torch.manual_seed(0)
    module = EveryDtype()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape))
    return module.state_dict()


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    halves = torch.linspace(-2, 2, 9).bfloat16()
    tied = torch.randn(2, 3)
    return {"base": base, "row": base[2], "transposed": base.t(), "narrow": base.narrow(1, 1, 3),
            "column": base[:, 5], "strided": base[::2, ::3], "bf16.tail": halves[3:], "bf16.all": halves,
            "embed.weight": tied, "lm_head.weight": tied}


def shards():
    torch.manual_seed(1)
    first = {"model.embed_tokens.weight": torch.randn(6, 4).half(),
             "model.layers.0.input_layernorm.weight": torch.randn(4).half()}
    second = {"model.norm.weight": torch.randn(4).half(), "lm_head.weight": torch.randn(6, 4).half()}
    return {"pytorch_model-00001-of-00002.bin": first, "pytorch_model-00002-of-00002.bin": second}


def mm_projector():
    torch.manual_seed(2)
    return {"model.mm_projector.0.weight": torch.randn(8, 4).bfloat16(), "model.mm_projector.0.bias": torch.randn(8).bfloat16(),
            "model.mm_projector.2.weight": torch.randn(8, 8).bfloat16(), "model.mm_projector.2.bias": torch.randn(8).bfloat16()}


class Command:
    """Pickles as a call of fn(*args), which an unpickler performs while loading."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


class Storage:
    """A storage as torch.save refers to it: by its persistent id."""

    def __init__(self, key, storage_type, numel):
        self.pid = ("storage", storage_type, key, "cpu", numel)


class View:
    """A tensor as torch.save pickles it, with any offset, size and stride."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


def pickle_like_torch_save(obj, fix_imports=True):
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=2, fix_imports=fix_imports)
    pickler.persistent_id = lambda o: o.pid if isinstance(o, Storage) else None
    pickler.dump(obj)
    return buf.getvalue()


def write_archive(path, data_pkl, records):
    """A torch.save archive around a pickle of our own, written by torch's archive writer."""
    writer = torch._C.PyTorchFileWriter(str(path))
    writer.write_record("data.pkl", data_pkl, len(data_pkl))
    for name, data in records.items():
        writer.write_record(name, data, len(data))
    writer.write_end_of_file()


def floats(values):
    return torch.tensor(values, dtype=torch.float32).numpy().tobytes()


def raw_hex(t):
    flat = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bfloat16:
        flat = flat.view(torch.int16)
    return flat.numpy().tobytes().hex()


def describe(state):
    return {name: {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "stride": list(t.stride()),
                   "storage_offset": t.storage_offset(), "hex": raw_hex(t)} for name, t in state.items()}


def check_loads(path, expected):
    loaded = torch.load(path, weights_only=True)
    assert list(loaded) == list(expected), path
    for name, t in expected.items():
        assert loaded[name].dtype == t.dtype and torch.equal(loaded[name], t), (path, name)
        assert loaded[name].stride() == t.stride() and loaded[name].storage_offset() == t.storage_offset(), (path, name)


def check_refused(path):
    try:
        torch.load(path, weights_only=True)
    except Exception:  # torch raises UnpicklingError for globals, RuntimeError for bad data
        return
    raise AssertionError(f"{path} loads with weights_only=True")


def check_hostile(path, data_pkl):
    """The pickle really is hostile: plain pickle (what torch.load does without weights_only) runs its command."""
    if os.path.exists(HOSTILE_MARKER):
        os.remove(HOSTILE_MARKER)
    pickle.loads(data_pkl)
    assert os.path.exists(HOSTILE_MARKER), f"{path}: the command did not run under plain pickle"
    os.remove(HOSTILE_MARKER)
    check_refused(path)


def main(out_dir):
    out = Path(out_dir)
    (out / "sharded").mkdir(parents=True, exist_ok=True)
    expected = {}

    state = every_dtype()
    assert isinstance(state, collections.OrderedDict) and hasattr(state, "_metadata")
    good = {"every_dtype.bin": state, "views.bin": views(), "mm_projector.bin": mm_projector()}
    for name, sd in good.items():
        torch.save(sd, out / name)
        check_loads(out / name, sd)
        expected[name] = describe(sd)

    weight_map, sharded = {}, {}
    for file, sd in shards().items():
        torch.save(sd, out / "sharded" / file)
        check_loads(out / "sharded" / file, sd)
        weight_map.update({k: file for k in sd})
        sharded.update(sd)
    total = sum(t.numel() * t.element_size() for t in sharded.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (out / "sharded" / "pytorch_model.bin.index.json").write_text(json.dumps(index, indent=2) + "\n")
    expected["sharded"] = describe(sharded)

    torch.save({"w": torch.ones(2)}, out / "legacy.bin", _use_new_zipfile_serialization=False)
    torch.save(torch.nn.Linear(2, 2), out / "module.bin")
    check_refused(out / "module.bin")

    system = pickle_like_torch_save({"weight": Command(os.system, "touch " + HOSTILE_MARKER)})
    assert b"cposix\nsystem\n" in system
    write_archive(out / "hostile_system.bin", system, {})
    check_hostile(out / "hostile_system.bin", system)
    evaluate = pickle_like_torch_save({"weight": Command(eval, "__import__('os').system('touch " + HOSTILE_MARKER
                                                                + "')")}, fix_imports=False)
    assert b"cbuiltins\neval\n" in evaluate
    write_archive(out / "hostile_eval.bin", evaluate, {})
    check_hostile(out / "hostile_eval.bin", evaluate)

    six = Storage("0", torch.FloatStorage, 6)
    write_archive(out / "view_out_of_bounds.bin", pickle_like_torch_save({"w": View(six, 0, (3, 3), (3, 1))}),
                  {"data/0": floats(range(6))})
    check_refused(out / "view_out_of_bounds.bin")
    eight = Storage("0", torch.FloatStorage, 8)
    write_archive(out / "short_storage.bin", pickle_like_torch_save({"w": View(eight, 0, (8,), (1,))}),
                  {"data/0": floats(range(4))})

    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
