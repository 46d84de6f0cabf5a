"""Writes the small WebP fixtures of the image-folder tests (Java's ImageIO has no WebP writer; the TwelveMonkeys
plug-in only reads). A 16x16 grey square with a coloured 8x8 patch, as ImageFinetuneTest draws its PNGs, in lossy
(VP8) and lossless (VP8L) WebP.

    /opt/kvenv/bin/python tools/data/make_image_fixtures.py
"""
import os

from PIL import Image, ImageDraw

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "src", "test", "resources", "images")


def square(color):
    img = Image.new("RGB", (16, 16), (128, 128, 128))
    ImageDraw.Draw(img).rectangle([2, 2, 9, 9], fill=color)
    return img


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    square((255, 0, 0)).save(os.path.join(OUT, "red-lossy.webp"), "WEBP", quality=90)
    square((0, 0, 255)).save(os.path.join(OUT, "blue-lossless.webp"), "WEBP", lossless=True)
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))
