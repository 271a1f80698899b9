"""Draw the "Try a sample" pictures into assets/samples/ (run once; the JPEGs are committed).

Made by the project with Pillow and numpy (no downloaded images, no licences to track):
`python tools/make_samples.py`. Deterministic: the same files every time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parents[1] / "assets" / "samples"


def _gradient(
    w: int, h: int, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    t = np.linspace(0, 1, h)[:, None, None]
    rows = (1 - t) * np.array(top) + t * np.array(bottom)
    return Image.fromarray(np.repeat(rows, w, axis=1).astype(np.uint8), "RGB")


def _noise(image: Image.Image, amount: float, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    arr = np.asarray(image).astype(np.float32)
    arr += rng.normal(0, amount, arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def lighthouse() -> Image.Image:
    w, h = 1280, 720
    img = _gradient(w, h, (44, 30, 88), (250, 150, 70))
    d = ImageDraw.Draw(img)
    d.ellipse((820, 330, 980, 490), fill=(255, 214, 120))  # setting sun
    sea = _gradient(w, h - 470, (230, 120, 70), (20, 30, 70))
    img.paste(sea, (0, 470))
    for y in range(480, h, 14):  # glints on the waves
        for x in range((y * 37) % 90, w, 90):
            d.line((x, y, x + 30 + (y % 40), y), fill=(255, 190, 120), width=2)
    d.polygon([(0, 470), (380, 470), (520, 560), (0, 600)], fill=(36, 28, 40))  # cliff
    for n in range(8):  # the tower, striped
        y0 = 250 + n * 28
        d.rectangle(
            (180 + n, y0, 250 - n, y0 + 28), fill=(235, 235, 230) if n % 2 else (190, 40, 50)
        )
    d.rectangle((170, 215, 260, 250), fill=(60, 60, 70))
    d.rectangle((185, 222, 245, 245), fill=(255, 240, 170))
    d.polygon([(215, 232), (1280, 120), (1280, 240)], fill=(255, 236, 170))  # the beam
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    return _noise(img, 4, 1)


def mountain_lake() -> Image.Image:
    w, h = 1280, 720
    img = _gradient(w, h, (90, 150, 220), (200, 225, 245))
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(2)
    ridges = [((120, 130, 160), 250, 160), ((80, 95, 125), 330, 120), ((50, 70, 80), 400, 80)]
    for colour, base, height in ridges:
        xs = np.arange(0, w + 40, 40)
        ys = base - height * np.abs(np.sin(xs / 230 + base)) - rng.integers(0, 40, xs.size)
        points = [(0, 430), *list(zip(xs.tolist(), ys.tolist(), strict=True)), (w, 430)]
        d.polygon(points, fill=colour)
        if base == 250:  # snow on the far peaks
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                if y < base - 90:
                    d.polygon([(x - 26, y + 30), (x, y), (x + 26, y + 30)], fill=(245, 248, 255))
    top = img.crop((0, 0, w, 430))
    reflection = top.transpose(Image.Transpose.FLIP_TOP_BOTTOM).crop((0, 0, w, h - 430))
    water = Image.blend(reflection, _gradient(w, h - 430, (40, 90, 120), (20, 50, 70)), 0.45)
    img.paste(water.filter(ImageFilter.GaussianBlur(2)), (0, 430))
    for x in range(0, w, 55):  # pines along the shore
        tall = 60 + (x * 13) % 50
        d.polygon([(x, 440), (x + 16, 440 - tall), (x + 32, 440)], fill=(22, 50, 36))
    return _noise(img, 3, 2)


def city_night() -> Image.Image:
    w, h = 720, 1280
    img = _gradient(w, h, (10, 12, 40), (70, 40, 100))
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(3)
    for _ in range(140):  # stars
        x, y = int(rng.integers(0, w)), int(rng.integers(0, 500))
        d.point((x, y), fill=(230, 230, 255))
    d.ellipse((520, 120, 620, 220), fill=(250, 245, 220))  # moon
    x = 0
    while x < w:
        bw = int(rng.integers(70, 150))
        top = int(rng.integers(420, 900))
        shade = int(rng.integers(20, 45))
        d.rectangle((x, top, x + bw, h), fill=(shade, shade, shade + 20))
        for wy in range(top + 16, h - 120, 26):
            for wx in range(x + 10, x + bw - 12, 20):
                if rng.random() < 0.55:
                    lit = (255, 210, 120) if rng.random() < 0.8 else (120, 220, 255)
                    d.rectangle((wx, wy, wx + 9, wy + 13), fill=lit)
        x += bw + int(rng.integers(2, 12))
    street = _gradient(w, 120, (60, 40, 60), (255, 120, 80))
    img.paste(street, (0, h - 120))
    return _noise(img.filter(ImageFilter.GaussianBlur(0.8)), 3, 3)


def balloon() -> Image.Image:
    w = h = 1024
    img = _gradient(w, h, (120, 180, 240), (250, 210, 180))
    d = ImageDraw.Draw(img)
    for cx, cy, r in (
        (200, 700, 90),
        (300, 720, 110),
        (420, 710, 80),
        (760, 300, 70),
        (850, 320, 90),
    ):
        d.ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), fill=(255, 255, 255))  # clouds
    colours = [(230, 60, 60), (250, 180, 40), (60, 160, 220), (250, 250, 250)]
    for n in range(16):  # the envelope, in gores
        d.pieslice((380, 250, 644, 560), n * 22.5, (n + 1) * 22.5, fill=colours[n % 4])
    d.ellipse((380, 250, 644, 560), outline=(120, 60, 40), width=2)
    d.polygon([(420, 480), (604, 480), (552, 600), (472, 600)], fill=colours[0])
    d.line((480, 600, 495, 660), fill=(80, 60, 40), width=3)
    d.line((544, 600, 529, 660), fill=(80, 60, 40), width=3)
    d.rectangle((490, 655, 534, 690), fill=(140, 90, 50))  # basket
    d.polygon(
        [(0, 880), (300, 820), (620, 870), (1024, 800), (1024, 1024), (0, 1024)], fill=(90, 140, 80)
    )
    img = img.filter(ImageFilter.GaussianBlur(1))
    return _noise(img, 3, 4)


SAMPLES = {
    "lighthouse.jpg": lighthouse,
    "mountain-lake.jpg": mountain_lake,
    "city-night.jpg": city_night,
    "balloon.jpg": balloon,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in SAMPLES.items():
        draw().save(OUT / name, format="JPEG", quality=84, optimize=True)


if __name__ == "__main__":
    main()
