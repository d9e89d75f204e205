#!/usr/bin/python3
"""Writes the CMYK and YCCK JPEG fixtures and what PIL decodes them to.

cmyk.jpg is written by PIL (libjpeg, Adobe APP14 marker, transform 0); ycck.jpg holds the same picture as Photoshop
stores CMYK, as YCCK (transform 2), written by tools/scripts/YcckJpeg.java through javax.imageio from cmyk.jpg's
samples. The goldens are PIL's Image.open(f).convert("RGB") of each, saved as PNG. Needs Debian's python3-pil and
python3-numpy, and a JDK.

    /usr/bin/python3 tools/scripts/make_cmyk_jpeg_fixtures.py models/src/test/resources/io/lntune/models/image
"""
import os
import subprocess
import sys

import numpy as np
from PIL import Image


def main(out):
    os.makedirs(out, exist_ok=True)
    h, w = 16, 24
    y, x = np.mgrid[0:h, 0:w]
    c = (x * 255 // (w - 1)).astype(np.uint8)
    m = (y * 255 // (h - 1)).astype(np.uint8)
    yellow = ((x + y) * 255 // (w + h - 2)).astype(np.uint8)
    k = np.full((h, w), 40, np.uint8)
    k[:, :6] = 200
    k[10:, 18:] = 0
    Image.fromarray(np.stack([c, m, yellow, k], -1), "CMYK").save(os.path.join(out, "cmyk.jpg"), quality=95)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "YcckJpeg.java")
    subprocess.run(["java", script, os.path.join(out, "cmyk.jpg"), os.path.join(out, "ycck.jpg")], check=True)
    for name in ("cmyk", "ycck"):
        im = Image.open(os.path.join(out, name + ".jpg"))
        assert im.mode == "CMYK", (name, im.mode)
        assert im.info.get("adobe_transform") == (0 if name == "cmyk" else 2), im.info
        im.convert("RGB").save(os.path.join(out, name + ".pil-rgb.png"))


if __name__ == "__main__":
    main(sys.argv[1])
