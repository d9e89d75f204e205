#!/usr/bin/env python3
"""Writes the safetensors fixtures that lntune's reader is tested against.

An independent writer: only the standard library and numpy, following the format description
(8-byte little-endian header length, JSON header, raw little-endian data). It writes

  reference.safetensors  every dtype lntune reads, header padded to 8 bytes and tensors ordered by
                         alignment as the reference implementation does, so every tensor is aligned;
  unaligned.safetensors  the same kind of data with an unpadded header, so wide tensors sit at odd offsets;
  reference.json         for each tensor of both files: dtype, shape, the raw data as hex, and the values.

Usage: python3 tools/scripts/make_safetensors_fixtures.py native/src/test/resources/io/lntune/torch/safetensors
"""
import json
import sys
from pathlib import Path

import numpy as np

from safetensors_np import write_raw


def bf16(values):
    """bfloat16 bits of values that bf16 represents exactly (the top half of their float32 bits)."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32)
    assert np.all(bits & 0xFFFF == 0), "value not exact in bf16"
    return (bits >> 16).astype("<u2")


def f8_e4m3(values):
    """float8 e4m3fn bits for a few exactly representable values (sign, 4 exponent bits bias 7, 3 mantissa bits)."""
    table = {0.0: 0x00, 1.0: 0x38, -1.0: 0xB8, 0.5: 0x30, 1.5: 0x3C, 2.0: 0x40, 448.0: 0x7E, -3.0: 0xC4}
    return np.array([table[v] for v in values], dtype=np.uint8)


def tensors():
    """(name, dtype, shape, raw bytes, values) for each fixture tensor."""
    out = []

    def add(name, dtype, array, values=None):
        arr = np.array(array, order="C", copy=True)  # keeps 0-d arrays 0-d, unlike ascontiguousarray
        vals = arr.astype(np.float64).ravel().tolist() if values is None else list(values)
        out.append((name, dtype, list(arr.shape), arr.tobytes(order="C"), vals))

    add("f64", "F64", np.array([[1.0 / 3.0, -2.5e-300], [1e300, -0.0]], dtype="<f8"))
    add("f32.matrix", "F32", (np.arange(12, dtype="<f4").reshape(3, 4) - 5.5) / 7)
    add("f32.transposed", "F32", (np.arange(6, dtype="<f4").reshape(2, 3) * 1.25).T)
    add("f32.scalar", "F32", np.array(3.5, dtype="<f4"))
    add("f32.empty", "F32", np.zeros((0, 4), dtype="<f4"))
    add("f16", "F16", np.array([0.5, -1.75, 65504.0, 6.1e-5, 0.0, -2.0], dtype="<f2").reshape(2, 3))
    bf = [1.0, -2.0, 0.15625, 2.0**127, -(2.0**-100), 256.0]
    add("bf16", "BF16", bf16(bf).reshape(3, 2), values=bf)
    e4m3 = [0.0, 1.0, -1.0, 0.5, 1.5, 2.0, 448.0, -3.0]
    add("f8_e4m3", "F8_E4M3", f8_e4m3(e4m3).reshape(2, 4), values=e4m3)
    add("i64", "I64", np.array([-(2**53) + 1, -1, 0, 2**53 - 1], dtype="<i8"))
    add("i32", "I32", np.array([[-(2**31), 2**31 - 1], [7, -7]], dtype="<i4"))
    add("i16", "I16", np.array([-32768, 32767, 12], dtype="<i2"))
    add("i8", "I8", np.array([-128, 127, 0, -5], dtype="i1"))
    add("u8", "U8", np.array([[0, 255, 17]], dtype="u1"))
    add("u16", "U16", np.array([0, 65535, 300], dtype="<u2"))
    add("u32", "U32", np.array([0, 4294967295, 70000], dtype="<u4"))
    add("u64", "U64", np.array([0, 2**53, 12345678901], dtype="<u8"))
    add("bool", "BOOL", np.array([True, False, True, True, False], dtype="?"))
    return out


def write(path, items, metadata, pad):
    write_raw(path, [(name, dtype, shape, raw) for name, dtype, shape, raw, _ in items], metadata, pad)


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = tensors()
    write(out / "reference.safetensors", items, {"format": "pt", "written_by": "numpy " + np.__version__}, pad=True)
    write(out / "unaligned.safetensors", items, {}, pad=False)
    expected = {name: {"dtype": d, "shape": s, "hex": raw.hex(), "values": v} for name, d, s, raw, v in items}
    (out / "reference.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
