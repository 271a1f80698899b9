"""Previews of a start/end image for the form: a small JPEG, and the framing overlay.

What the API accepts is decided by `modelhunter.images.inspect_image`; this module only
draws. Memory stays within `PREVIEW_MEMORY_BUDGET` whatever the file's size (see
`make_preview`); the EXIF orientation is the one the preflight reads (`exif_orientation`).
"""

from __future__ import annotations

import io
import zlib

from PIL import Image, ImageDraw, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict

from modelhunter.images import (
    BOMB_ERRORS,
    BOMB_MESSAGE,
    MAX_BYTES,
    MAX_PIXELS,
    MB,
    PIL_ERRORS,
    ImageSource,
    exif_orientation,
    format_size,
    read_source,
    webp_size,
)
from modelhunter.requests import AspectRatio
from playground._png_strips import decode_reduced, png_header

__all__ = [
    "PREVIEW_MEMORY_BUDGET",
    "Framing",
    "PreviewError",
    "framing",
    "framing_preview",
    "make_preview",
]

PREVIEW_QUALITY = 85
#: Most memory a preview may decode into (width × height × bytes per pixel). With the
#: thumbnail's own copies a preview stays well under 64 MB, whatever the image's size.
PREVIEW_MEMORY_BUDGET = 48 * MB
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_RATIOS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}


class PreviewError(ValueError):
    """An image that cannot be previewed; `message` says why, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Framing(BaseModel):
    """Centered cover-crop of a `width`×`height` image to an aspect ratio."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aspect_ratio: AspectRatio
    left: int
    top: int
    right: int
    bottom: int
    kept_fraction: float
    description: str


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode.startswith("I"):  # 16/32-bit greyscale: scale to 8 bits, don't clip
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im if im.mode == "RGB" else im.convert("RGB")


def _pixel_bytes(mode: str) -> int:
    """Bytes Pillow keeps per pixel in memory for a mode (RGB is stored in 4)."""
    return _MODE_BYTES.get(mode, 4)


def _jpeg_scan_bytes(im: Image.Image) -> float:
    """What the JPEG decoder holds besides pixels: a progressive file keeps every DCT
    coefficient of the full-size image (2 bytes each) until the last scan, even when
    `draft` scales the output down. Baseline files are decoded row by row (0 here)."""
    if not im.info.get("progressive"):
        return 0
    layers = getattr(im, "layer", None) or [(0, 1, 1, 0)] * len(im.getbands())
    h_max = max(layer[1] for layer in layers)
    v_max = max(layer[2] for layer in layers)
    share = sum(layer[1] * layer[2] for layer in layers) / (h_max * v_max)
    return im.width * im.height * share * 2


def _reduce_factor(w: int, h: int, max_side: int) -> int:
    """The integer reduction for a strip decode: about twice `max_side` left, within budget."""
    factor = max(2, -(-max(w, h) // (2 * max_side)))
    while -(-w // factor) * -(-h // factor) * 4 > PREVIEW_MEMORY_BUDGET:
        factor += 1
    return factor


def _too_big_to_preview(w: int, h: int) -> PreviewError:
    return PreviewError(
        f"This picture ({w} × {h} pixels) is too large to preview here without using a lot "
        "of memory. It is still checked and can be sent as it is."
    )


def make_preview(source: ImageSource, *, max_side: int = 1024) -> bytes:
    """A JPEG preview, EXIF orientation applied, RGB, at most `max_side` on the long side.

    Memory stays within `PREVIEW_MEMORY_BUDGET`: the decoded size (width × height × bytes
    per pixel, 16-bit RGBA counted as 8) is computed from the header *before* decoding.
    JPEGs are scaled down by the decoder (1/2, 1/4 or 1/8 at decode time via `draft`), so a
    48 MP photo decodes to ~2000×1500 instead of 8000×6000. Other images within the budget
    are decoded once and reduced with `thumbnail(reducing_gap=...)`; larger PNGs are decoded
    a strip at a time and reduced as they go (`playground._png_strips`); larger WebP and
    interlaced PNG files get no preview. The first frame of animations is used.

    Raises:
        PreviewError: the file is empty, not an image, damaged, too large to open
            safely (over 80 megapixels — never decoded) or too large to preview within the
            memory budget.
    """
    data, _ = read_source(source, MAX_BYTES)
    if data is None:
        raise PreviewError(
            f"This file is over {format_size(MAX_BYTES)}, so no preview can be made."
        )
    if not data:
        raise PreviewError("This file is empty, so no preview can be made.")
    webp = webp_size(data[:30])
    try:
        if webp and webp[0] * webp[1] > MAX_PIXELS:
            raise Image.DecompressionBombError
        if webp and webp[0] * webp[1] * 4 > PREVIEW_MEMORY_BUDGET:  # decoded at open, RGBA
            raise _too_big_to_preview(*webp)
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise Image.DecompressionBombError
            orientation = exif_orientation(im)
            if im.format in ("JPEG", "MPO"):
                if _jpeg_scan_bytes(im) > PREVIEW_MEMORY_BUDGET:
                    raise _too_big_to_preview(im.width, im.height)
                im.draft("RGB", (max_side, max_side))
            png = png_header(data) if im.format == "PNG" else None
            per_pixel = max(_pixel_bytes(im.mode), png.raw_pixel_bytes if png else 0)
            if im.width * im.height * per_pixel <= PREVIEW_MEMORY_BUDGET:
                # box-reduce by the whole factor first, Lanczos for the rest: a preview in
                # ~2/3 of the time (1600×1000 PNG: 39 → 26 ms), within 1/255 on average
                im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=1.0)
                im.load()  # thumbnail() leaves small images undecoded; decode before closing
                out = _to_rgb(im)
            elif png is None or png.interlaced:
                raise _too_big_to_preview(im.width, im.height)
            else:
                factor = _reduce_factor(im.width, im.height, max_side)
                out = decode_reduced(data, png, factor)
                out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = _to_rgb(out)
    except PreviewError:
        raise
    except BOMB_ERRORS as exc:
        raise PreviewError(BOMB_MESSAGE) from exc
    except UnidentifiedImageError as exc:
        raise PreviewError("This file is not an image, so no preview can be made.") from exc
    except (*PIL_ERRORS, zlib.error) as exc:
        raise PreviewError(
            "This picture is damaged, so no preview can be made. Re-export it and try again."
        ) from exc
    if orientation in _TRANSPOSE:
        out = out.transpose(_TRANSPOSE[orientation])
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=PREVIEW_QUALITY)
    return buf.getvalue()


def framing(width: int, height: int, aspect_ratio: AspectRatio) -> Framing:
    """The centered crop that fills `aspect_ratio` (cover), in source pixels.

    Raises:
        ValueError: unknown aspect ratio or a non-positive size.
    """
    if aspect_ratio not in _RATIOS:
        raise ValueError(f"Unknown aspect ratio {aspect_ratio!r}; use 16:9, 9:16 or 1:1.")
    if width <= 0 or height <= 0:
        raise ValueError("Width and height must be positive.")
    rw, rh = _RATIOS[aspect_ratio]
    if width * rh > height * rw:  # too wide: keep full height, crop left and right
        kept = max(1, min(width, round(height * rw / rh)))
        left, top, right, bottom = (width - kept) // 2, 0, (width - kept) // 2 + kept, height
        sides, cut = "left and right", (width - kept) / width / 2
    else:  # too tall (or exact): keep full width, crop top and bottom
        kept = max(1, min(height, round(width * rh / rw)))
        left, top, right, bottom = 0, (height - kept) // 2, width, (height - kept) // 2 + kept
        sides, cut = "top and bottom", (height - kept) / height / 2
    if cut == 0:
        text = f"The whole image fits {aspect_ratio}; nothing is cropped."
    elif cut < 0.005:
        text = f"A thin strip (under 1%) at the {sides} is cropped to fit {aspect_ratio}."
    else:
        text = f"The {sides} {max(cut * 100, 1):.0f}% are cropped to fit {aspect_ratio}."
    return Framing(
        aspect_ratio=aspect_ratio,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        kept_fraction=(right - left) * (bottom - top) / (width * height),
        description=text,
    )


def framing_preview(preview_jpeg: bytes, aspect_ratio: AspectRatio) -> bytes:
    """The preview with the cropped-away area dimmed and the kept frame outlined (JPEG).

    Raises:
        PreviewError: `preview_jpeg` is not a readable image.
    """
    try:
        with Image.open(io.BytesIO(preview_jpeg)) as im:
            im.load()
            base = _to_rgb(im)
    except PIL_ERRORS as exc:
        raise PreviewError("The preview could not be read.") from exc
    f = framing(base.width, base.height, aspect_ratio)
    box = (f.left, f.top, f.right, f.bottom)
    out = Image.blend(base, Image.new("RGB", base.size), 0.6)
    out.paste(base.crop(box), box[:2])
    line = max(2, round(max(base.size) / 400))
    ImageDraw.Draw(out).rectangle(
        (f.left, f.top, f.right - 1, f.bottom - 1), outline=(255, 255, 255), width=line
    )
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=PREVIEW_QUALITY)
    return buf.getvalue()
