"""Render a demo clip offline and save one frame per second as a strip (README picture).

.venv/bin/python tools/frame_strip.py docs/demo-strip.png
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFilter

from fake_modelhunter.synth import SynthRequest, synthesize


def scene(width: int = 1600, height: int = 1000) -> bytes:
    """A small painted landscape: sky gradient, sun, hills, a lighthouse."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)], fill=(int(40 + 200 * t), int(60 + 90 * t), int(140 - 40 * t))
        )
    draw.ellipse((1050, 220, 1250, 420), fill=(255, 214, 120))
    draw.polygon(
        [(0, 760), (400, 560), (800, 760), (1200, 600), (1600, 760), (1600, 1000), (0, 1000)],
        fill=(30, 70, 60),
    )
    draw.rectangle((300, 420, 360, 700), fill=(235, 235, 230))
    draw.rectangle((300, 470, 360, 500), fill=(200, 40, 40))
    draw.polygon([(290, 420), (370, 420), (330, 370)], fill=(200, 40, 40))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


def strip(mp4: bytes, every_s: float = 1.0, thumb_width: int = 320) -> Image.Image:
    frames = []
    with av.open(io.BytesIO(mp4)) as container:
        stream = container.streams.video[0]
        next_t = 0.0
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t + 1e-6 >= next_t:
                img = frame.to_image()
                img.thumbnail((thumb_width, thumb_width))
                frames.append(img)
                next_t += every_s
    w, h = frames[0].size
    sheet = Image.new("RGB", (len(frames) * (w + 6) - 6, h), (20, 20, 20))
    for n, img in enumerate(frames):
        sheet.paste(img, (n * (w + 6), 0))
    return sheet


def main(target: str) -> None:
    clip = synthesize(
        SynthRequest(start_image=scene(), duration=5, prompt="slow push in on the lighthouse")
    )
    strip(clip).save(Path(target))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/demo-strip.png")
