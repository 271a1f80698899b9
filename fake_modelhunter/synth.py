"""Offline demo video synthesizer: a start image (and end frame) in, an H.264 MP4 out.

The clip is built in BT.709 YUV directly: each frame is a sub-pixel bilinear crop of the
cover-cropped source planes (camera moves in `_motion`), crossfaded into the end frame when
one is given, with a "DEMO" badge and optional subtitles blended on top. Frames are rendered
on helper threads while x264 encodes, so a 5 s 720p clip takes well under a second.
"""

from __future__ import annotations

import io
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc
from PIL import Image, ImageDraw, ImageFont, ImageOps

from fake_modelhunter._audio import SAMPLE_RATE, AudioTrack, ambience
from fake_modelhunter._motion import Planes, digest, halve, plan_shots, timeline, to_yuv

__all__ = ["FPS", "SIZES", "Shot", "SynthError", "SynthRequest", "synthesize"]

FPS = 24
SIZES: dict[str, tuple[int, int]] = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (720, 720)}
MIN_SECONDS, MAX_SECONDS = 3, 15
WORK_SCALE = 1.2  # sources are kept a little larger than the frame so zooms stay sharp
MAX_SOURCE_PIXELS = 50_000_000  # after JPEG draft-decoding; bigger images are refused
FORMATS = ("PNG", "JPEG", "WEBP")  # JPEG covers multi-picture (MPO) files too
BACKDROP = (24, 24, 24)  # shown through transparent pixels
X264_THREADS = 2  # fixed, so output bytes do not depend on the machine's core count
X264_OPTIONS = {
    "preset": "ultrafast",
    "crf": "25",
    "profile": "high",
    "x264-params": "cabac=1:keyint=48:min-keyint=12",
}
PREFETCH = 4
CAPTION_LINES = 3
CAPTION_GAP_FRAMES = 4  # blank frames between subtitles
CAPTION_FADE_FRAMES = 5
SAMPLES_PER_FRAME = SAMPLE_RATE // FPS

T = TypeVar("T")


class SynthError(ValueError):
    """A request the synthesizer cannot turn into a clip (bad image, bad length)."""


@dataclass(frozen=True)
class Shot:
    """One manual shot: its length and the prompt that picks its camera move."""

    seconds: float
    prompt: str = ""


@dataclass(frozen=True)
class SynthRequest:
    """Everything that shapes a demo clip; equal requests give byte-identical clips."""

    start_image: bytes  # PNG, JPEG or WebP
    duration: int  # whole seconds, 3..15
    aspect_ratio: Literal["16:9", "9:16", "1:1"] = "16:9"
    end_image: bytes | None = None  # the clip travels to it; the last frame is this image
    prompt: str = ""  # may name a camera move ("zoom in", "pan left", "orbit", ...)
    shots: tuple[Shot, ...] = ()  # manual multi-shot, hard cuts between (wins over auto_shots)
    auto_shots: bool = False  # split the clip into 2-3 shots deterministically
    sound: bool = False  # generated ambience as AAC; without it the MP4 has no audio stream
    captions: tuple[str, ...] = ()  # subtitles spread over the clip, shown only with sound
    seed: str = ""  # extra variation input


def _flatten(img: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB; transparency shows a dark backdrop."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(img, dtype=np.float32)
        top = 65535.0 if arr.max() > 255 else 255.0
        img = Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8))
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        backdrop = Image.new("RGBA", img.size, (*BACKDROP, 255))
        return Image.alpha_composite(backdrop, img.convert("RGBA")).convert("RGB")
    return img if img.mode == "RGB" else img.convert("RGB")


def _load(data: bytes, frame: tuple[int, int], what: str) -> Planes:
    """Decode `data`, upright it, flatten it to RGB and cover-crop it into YUV planes."""
    size = (round(frame[0] * WORK_SCALE / 2) * 2, round(frame[1] * WORK_SCALE / 2) * 2)
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            upright = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            img.draft("RGB", size[::-1] if upright else size)  # JPEG: decode at reduced scale
            if img.width * img.height > MAX_SOURCE_PIXELS:
                raise SynthError(f"The {what} is too large ({img.width}×{img.height} pixels).")
            rgb = _flatten(ImageOps.exif_transpose(img))
    except SynthError:
        raise
    except Image.DecompressionBombError as exc:
        raise SynthError(f"The {what} is too large to process safely.") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise SynthError(f"The {what} could not be read; use a PNG, JPEG or WebP file.") from exc
    scale = max(size[0] / rgb.width, size[1] / rgb.height)
    w, h = size[0] / scale, size[1] / scale
    left, top = (rgb.width - w) / 2, (rgb.height - h) / 2
    box = (left, top, left + w, top + h)
    return Planes.from_rgb(rgb, box, luma=size, chroma=(frame[0] // 2, frame[1] // 2))


def _even(value: float) -> int:
    return int(value) // 2 * 2


@dataclass(frozen=True)
class _Overlay:
    """An RGBA graphic converted once to YUV planes and 0..256 alphas, blended at even (x, y)."""

    x: int
    y: int
    planes: tuple[np.ndarray, ...]  # uint16 Y, Cb, Cr
    alphas: tuple[np.ndarray, ...]  # uint16 luma alpha, chroma alpha

    @classmethod
    def from_rgba(cls, img: Image.Image, x: int, y: int) -> _Overlay:
        img = img.crop((0, 0, _even(img.width), _even(img.height)))
        rgba = np.asarray(img, dtype=np.float32)
        alpha = rgba[..., 3] / 255
        yuv = to_yuv(rgba[..., :3])
        chroma_alpha = halve(alpha)
        weight = np.maximum(chroma_alpha, 1e-6)
        planes = [yuv[..., 0]] + [halve(yuv[..., c] * alpha) / weight for c in (1, 2)]
        as16 = [np.rint(p).clip(0, 256).astype(np.uint16) for p in planes]
        alphas = (
            np.rint(alpha * 256).astype(np.uint16),
            np.rint(chroma_alpha * 256).astype(np.uint16),
        )
        return cls(x, y, tuple(as16), alphas)

    def apply(self, planes: tuple[np.ndarray, ...], opacity: float = 1.0) -> None:
        """Blend into the frame's Y, Cb, Cr planes in place."""
        for i, (plane, graphic) in enumerate(zip(planes, self.planes, strict=True)):
            alpha = self.alphas[min(i, 1)]
            if opacity < 1:
                alpha = (alpha * opacity).astype(np.uint16)
            div = 1 if i == 0 else 2
            h, w = graphic.shape
            region = plane[self.y // div : self.y // div + h, self.x // div : self.x // div + w]
            region[...] = (region * (256 - alpha) + graphic * alpha + 128) >> 8


def _pill(lines: list[str], font: ImageFont.FreeTypeFont, unit: float, fill: int) -> Image.Image:
    """Text lines centred on a translucent rounded dark plate."""
    pad_x, pad_y, gap = round(16 * unit), round(9 * unit), round(6 * unit)
    ascent, descent = font.getmetrics()
    width = max(round(font.getlength(line)) for line in lines) + 2 * pad_x
    height = len(lines) * (ascent + descent) + (len(lines) - 1) * gap + 2 * pad_y
    img = Image.new("RGBA", (_even(width + 1), _even(height + 1)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    radius = min(img.height // 2, round(14 * unit))
    draw.rounded_rectangle((0, 0, img.width - 1, img.height - 1), radius, fill=(10, 10, 10, fill))
    for n, line in enumerate(lines):
        top = pad_y + n * (ascent + descent + gap)
        draw.text((img.width / 2, top), line, font=font, fill=(255, 255, 255, 235), anchor="mt")
    return img


def _badge(size: tuple[int, int]) -> _Overlay:
    """The small "DEMO" mark in the top-right corner."""
    unit = min(size) / 720
    img = _pill(["DEMO"], ImageFont.load_default(size=round(18 * unit)), unit, 120)
    margin = _even(24 * unit)
    return _Overlay.from_rgba(img, _even(size[0] - img.width - margin), margin)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    if len(lines) > CAPTION_LINES:
        lines = [*lines[: CAPTION_LINES - 1], lines[CAPTION_LINES - 1].rstrip(".,;:") + "..."]
    return lines


def _captions(
    texts: tuple[str, ...], size: tuple[int, int], total: int
) -> list[tuple[int, int, _Overlay]]:
    """Subtitles, one per text, spread evenly over the clip: (first frame, last frame, graphic)."""
    texts = tuple(t.strip() for t in texts if t.strip())
    unit = min(size) / 720
    font = ImageFont.load_default(size=round(30 * unit))
    span = total / max(len(texts), 1)
    track = []
    for i, text in enumerate(texts):
        img = _pill(_wrap(text, font, size[0] * 0.8), font, unit, 150)
        img = img.crop((0, 0, min(img.width, _even(size[0] * 0.94)), img.height))
        x, y = _even((size[0] - img.width) / 2), _even(size[1] * 0.92 - img.height)
        gap = min(CAPTION_GAP_FRAMES, int(span) // 4)
        track.append(
            (round(i * span) + gap, round((i + 1) * span) - 1 - gap, _Overlay.from_rgba(img, x, y))
        )
    return track


def _view(plane: av.video.plane.VideoPlane) -> np.ndarray:
    """A writable `(height, width)` array over a frame plane's memory (skipping row padding)."""
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def _prefetched(make: Callable[[int], T], count: int) -> Iterator[T]:
    """`make(0) … make(count - 1)`, computed a few ahead on two helper threads."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="synth") as pool:
        pending: deque[Future[T]] = deque(pool.submit(make, i) for i in range(min(PREFETCH, count)))
        for i in range(count):
            if i + PREFETCH < count:
                pending.append(pool.submit(make, i + PREFETCH))
            yield pending.popleft().result()


def _validate(req: SynthRequest) -> None:
    if not (isinstance(req.duration, int) and MIN_SECONDS <= req.duration <= MAX_SECONDS):
        raise SynthError(f"Duration must be whole seconds, {MIN_SECONDS} to {MAX_SECONDS}.")
    if req.aspect_ratio not in SIZES:
        raise SynthError("Aspect ratio must be 16:9, 9:16 or 1:1.")
    if any(not 0 < s.seconds <= MAX_SECONDS for s in req.shots):
        raise SynthError("Every shot needs a positive length.")
    if len(req.shots) > req.duration * 2:
        raise SynthError("Too many shots for the clip length (at most two per second).")


def synthesize(req: SynthRequest) -> bytes:
    """Render `req` as an H.264/AAC MP4 (yuv420p, 24 fps, faststart) and return its bytes.

    Raises:
        SynthError: the image cannot be decoded or the request is out of range.
    """
    _validate(req)
    size = SIZES[req.aspect_ratio]
    start = _load(req.start_image, size, "start image")
    end = None if req.end_image is None else _load(req.end_image, size, "end frame")
    total = req.duration * FPS
    shots = [(s.seconds, s.prompt) for s in req.shots]
    plans = plan_shots(
        total, prompt=req.prompt, seed=req.seed, shots=shots, auto_shots=req.auto_shots
    )
    steps = timeline(plans, end_frame=end is not None)
    demo = _badge(size)
    captions = _captions(req.captions, size, total) if req.sound else []

    def make(index: int) -> av.VideoFrame:
        win, end_win, alpha = steps[index]
        layers = start.render(win, size) if alpha < 1 else ()
        if end is not None and end_win is not None and alpha > 0:
            other = end.render(end_win, size)
            mixed = (Image.blend(a, b, alpha) for a, b in zip(layers, other, strict=True))
            layers = tuple(mixed) if layers else other
        frame = av.VideoFrame(size[0], size[1], "yuv420p")
        planes = tuple(_view(plane) for plane in frame.planes)
        for plane, layer in zip(planes, layers, strict=True):
            plane[...] = np.asarray(layer)
        demo.apply(planes)
        for first, last, caption in captions:
            if first <= index <= last:
                fade = min(index - first + 1, last - index + 1) / CAPTION_FADE_FRAMES
                caption.apply(planes, min(fade, 1.0))
        frame.pts = index
        return frame

    seed = digest("audio", req.prompt, req.seed, req.duration)
    with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
        path = Path(tmp) / "clip.mp4"
        with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            video = out.add_stream("libx264", rate=FPS, options=X264_OPTIONS)
            video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
            ctx = video.codec_context
            ctx.thread_count = X264_THREADS
            ctx.colorspace, ctx.color_range = Colorspace.ITU709, ColorRange.MPEG
            ctx.color_primaries, ctx.color_trc = ColorPrimaries.BT709, ColorTrc.BT709
            audio = (
                AudioTrack(out, ambience(total * SAMPLES_PER_FRAME, seed)) if req.sound else None
            )
            for index, frame in enumerate(_prefetched(make, total)):
                out.mux(video.encode(frame))
                if audio is not None:
                    audio.write_until((index + 1) * SAMPLES_PER_FRAME)
            out.mux(video.encode(None))
            if audio is not None:
                audio.finish()
        return path.read_bytes()
