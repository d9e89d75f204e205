#!/usr/bin/python3
"""Writes the image fixtures that lntune's image decoder and CLIP image processor are tested against.

Run with Debian's Python (python3-pil, python3-numpy). It writes small images in the formats COCO-like data sets
hold (8-bit RGB, grey, RGBA and palette PNGs, 16-bit grey and RGB PNGs, RGB and grey JPEGs, and a CMYK JPEG that
the Java decoder must refuse), and expected.safetensors with, for each readable image, the 8-bit RGB pixels
[height, width, 3] at each step the Java side must reproduce:

  NAME.decoded   the image as RGB: PIL's Image.open(...).convert("RGB"), the way LLaVA and Hugging Face load it.
                 16-bit PNGs keep the high byte of each sample: PIL does so itself for 16-bit RGB, while for 16-bit
                 grey its convert("RGB") clips every value above 255, which nobody wants, so the high byte is taken
                 here explicitly.
  NAME.clip16    Hugging Face CLIPImageProcessor's resize and crop with shortest_edge=16, crop_size=16: the
                 shortest side resized to 16 with PIL BICUBIC (the long side int(16 * long / short)), then the
                 centre 16x16 (top = (height - 16) // 2, left = (width - 16) // 2). Mostly downscaling.
  NAME.clip7     the same with shortest_edge=7, crop_size=7: downscaling by factors of 2.4 to 5.9.
  NAME.clip32c28 the same with shortest_edge=32, crop_size=28: upscaling, and an off-centre crop.
  NAME.pad16     LLaVA-1.5's expand2square with the CLIP mean colour (122, 116, 104), then as clip16.

Values before rescaling and normalisation; the Java test applies 1/255, mean and std itself.

Usage: /usr/bin/python3 tools/scripts/make_image_fixtures.py models/src/test/resources/io/lntune/models/clip/images
"""
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_safetensors_fixtures import write  # noqa: E402  (the project's independent safetensors writer)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
PAD_COLOUR = tuple(int(m * 255) for m in CLIP_MEAN)  # LLaVA: tuple(int(x * 255) for x in image_processor.image_mean)


def pattern(rng, height, width, channels):
    """Smooth gradients and stripes plus noise: enough structure for resampling errors to show."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        wave = np.sin(x * (0.4 + 0.2 * c) + y * (0.25 - 0.1 * c)) * 90
        ramp = (x / max(width - 1, 1) * 120) - (y / max(height - 1, 1) * 60) * (c - 1)
        planes.append(128 + wave + ramp + rng.normal(0, 25, (height, width)))
    return np.clip(np.stack(planes, axis=-1), 0, 255)


def png_by_hand(path, samples, bit_depth, colour_type):
    """A minimal PNG encoder (filter 0 on every row), for 16-bit images that PIL cannot write."""
    height, width = samples.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    raw = b"".join(b"\x00" + samples[row].astype(dtype).tobytes() for row in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))


def make_images(out):
    rng = np.random.default_rng(20240611)
    Image.fromarray(pattern(rng, 23, 37, 3).astype(np.uint8), "RGB").save(out / "rgb_37x23.png")
    Image.fromarray(pattern(rng, 37, 23, 1)[..., 0].astype(np.uint8), "L").save(out / "grey_23x37.png")
    rgba = np.concatenate([pattern(rng, 30, 30, 3), rng.integers(0, 256, (30, 30, 1))], axis=-1)
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(out / "rgba_30x30.png")
    Image.fromarray(pattern(rng, 12, 20, 3).astype(np.uint8), "RGB").quantize(colors=16).save(out / "palette_20x12.png")
    png_by_hand(out / "grey16_29x17.png", (pattern(rng, 17, 29, 1)[..., 0] * 257).astype(np.uint16), 16, 0)
    png_by_hand(out / "rgb16_17x29.png", (pattern(rng, 29, 17, 3) * 257 + rng.integers(0, 257, (29, 17, 3)))
                .clip(0, 65535).astype(np.uint16), 16, 2)
    Image.fromarray(pattern(rng, 27, 41, 3).astype(np.uint8), "RGB").save(out / "photo_41x27.jpg", quality=90)
    Image.fromarray(pattern(rng, 25, 19, 1)[..., 0].astype(np.uint8), "L").save(out / "grey_19x25.jpg", quality=90)
    Image.new("CMYK", (8, 8), (10, 200, 30, 40)).save(out / "cmyk_8x8.jpg", quality=90)


def load_rgb(path):
    image = Image.open(path)
    if image.mode in ("I", "I;16", "I;16B"):  # 16-bit grey: keep the high byte (see the module docstring)
        image = Image.fromarray((np.array(image, dtype=np.uint32) >> 8).astype(np.uint8), "L")
    return image.convert("RGB")


def expand2square(image, colour):
    """LLaVA-1.5's expand2square: paste onto a square of the background colour, centred along the short side."""
    width, height = image.size
    if width == height:
        return image
    side = max(width, height)
    result = Image.new(image.mode, (side, side), colour)
    result.paste(image, (0, (width - height) // 2) if width > height else ((height - width) // 2, 0))
    return result


def clip_resize_crop(image, shortest_edge, crop):
    """CLIPImageProcessor's resize (shortest edge, PIL BICUBIC, reducing_gap=None) and centre crop."""
    width, height = image.size
    short, long = (width, height) if width <= height else (height, width)
    new_long = int(shortest_edge * long / short)
    new_w, new_h = (shortest_edge, new_long) if width <= height else (new_long, shortest_edge)
    resized = np.array(image.resize((new_w, new_h), resample=Image.BICUBIC, reducing_gap=None))
    top, left = (new_h - crop) // 2, (new_w - crop) // 2
    assert top >= 0 and left >= 0, "the fixtures never crop beyond the resized image"
    return resized[top:top + crop, left:left + crop]


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    make_images(out)
    items = []

    def add(name, array):
        array = np.ascontiguousarray(array, dtype=np.uint8)
        items.append((name, "U8", list(array.shape), array.tobytes(), None))

    for path in sorted(out.iterdir()):
        if path.suffix not in (".png", ".jpg") or path.name.startswith("cmyk"):
            continue
        rgb = load_rgb(path)
        add(path.name + ".decoded", np.array(rgb))
        add(path.name + ".clip16", clip_resize_crop(rgb, 16, 16))
        add(path.name + ".clip7", clip_resize_crop(rgb, 7, 7))
        add(path.name + ".clip32c28", clip_resize_crop(rgb, 32, 28))
        add(path.name + ".pad16", clip_resize_crop(expand2square(rgb, PAD_COLOUR), 16, 16))
    metadata = {"written_by": "Pillow " + Image.__version__ + ", numpy " + np.__version__}
    write(out / "expected.safetensors", items, metadata, pad=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
