"""Demo-mode video synthesis speed: seconds of 720p video made per second of wall time.

A 5 s 16:9 clip (1280×720, 24 fps, H.264) from a photo-like 12 MP JPEG, best of a few runs
(the minimum is the least disturbed by other load on the machine). The baseline is real
time: 1 s of video per second. The note adds the same figure for the heaviest request
(sound, subtitles and an end frame to crossfade into).
"""

from __future__ import annotations

import io
import time

from PIL import Image, ImageDraw

from bench.common import Result, format_table
from fake_modelhunter.synth import SynthRequest, synthesize

__all__ = ["run"]

SECONDS = 5
RUNS = 3
PHOTO_SIZE = (4000, 3000)


def make_photo(size: tuple[int, int] = PHOTO_SIZE, *, warm: bool = True) -> bytes:
    """A photo-like JPEG: soft gradients, some shapes and fine grain."""
    grad = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    other = Image.linear_gradient("L").rotate(90).resize(size, Image.Resampling.BILINEAR)
    grain = Image.effect_noise((size[0] // 2, size[1] // 2), 24).resize(size)
    bands = (grad, other, grain) if warm else (grain, other, grad)
    img = Image.merge("RGB", bands)
    draw = ImageDraw.Draw(img)
    step = size[0] // 9
    for i in range(9):
        top = size[1] // 3 + (i * 7919) % (size[1] // 2)
        draw.ellipse((i * step, top, i * step + step * 0.8, top + step * 0.8), fill=(30, 60, 90))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def speed(req: SynthRequest, runs: int = RUNS) -> float:
    """Best-of-`runs` seconds of video per wall-clock second."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        synthesize(req)
        best = min(best, time.perf_counter() - started)
    return req.duration / best


def run(*, quick: bool = False) -> list[Result]:
    """The speed table row; `quick` makes a 3 s square clip once (a smoke run, not a figure)."""
    photo = make_photo((800, 600) if quick else PHOTO_SIZE)
    seconds, aspect, runs = (3, "1:1", 1) if quick else (SECONDS, "16:9", RUNS)
    plain = SynthRequest(photo, seconds, aspect, prompt="slow push over the city")
    heavy = SynthRequest(
        photo,
        seconds,
        aspect,
        end_image=make_photo((800, 600) if quick else PHOTO_SIZE, warm=False),
        prompt="orbit",
        sound=True,
        captions=("A quiet morning.", "The city wakes up."),
    )
    return [
        Result(
            name="Demo synthesis (5 s 720p clip)",
            unit="s video/s",
            baseline_label="real time",
            baseline=1.0,
            ours_label="synthesize()",
            ours=speed(plain, runs),
            goal=5.0,
            lower_is_better=False,
            note=f"with sound, subtitles and end frame: {speed(heavy, runs):.3g}×",
        )
    ]


if __name__ == "__main__":
    print(format_table(run()))
