"""A minimal safetensors writer on the standard library and numpy, independent of lntune's Java writer.

Used by the scripts that produce test fixtures. Follows the format description: an 8-byte little-endian header
length, a JSON header mapping each name to {dtype, shape, data_offsets}, then the raw little-endian data.
"""
import json
import struct

import numpy as np

DTYPES = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("<f2"): "F16", np.dtype("<i8"): "I64",
          np.dtype("<i4"): "I32", np.dtype("<i2"): "I16", np.dtype("i1"): "I8", np.dtype("u1"): "U8",
          np.dtype("<u2"): "U16", np.dtype("<u4"): "U32", np.dtype("<u8"): "U64", np.dtype("?"): "BOOL"}
ALIGN = {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2}


def write_raw(path, items, metadata=None, pad=True):
    """items: list of (name, safetensors dtype, shape, raw bytes). pad=True aligns the data section to 8 bytes and
    orders tensors widest dtype first, then by name, as the reference implementation does."""
    if pad:
        items = sorted(items, key=lambda t: (-ALIGN.get(t[1], 1), t[0]))
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in items:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if pad:
        text += b" " * (-len(text) % 8)
    elif (8 + len(text)) % 2 == 0:
        text += b" "  # make the data section start at an odd offset
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, raw in items:
            f.write(raw)


def save(path, arrays, metadata=None):
    """Writes a dict of numpy arrays (any of DTYPES) to path."""
    items = []
    for name, array in arrays.items():
        arr = np.array(array, order="C", copy=True)
        items.append((name, DTYPES[arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype],
                      arr.shape, arr.tobytes(order="C")))
    write_raw(path, items, metadata)
