"""Image preflight with Pillow: check, orient, preview and frame a start/end image.

Limits are the contract's §12 decision "image limits", kept here in one place:

- **Blocked** (the platform rejects them, or they are unsafe to open): a type other than
  PNG/JPEG/WebP (detected from the content, never from the name), empty, damaged or
  truncated files, a side under 128 px, a shape beyond 4:1 or 1:4, more than 50 MB, more
  than 80 megapixels (decompression bombs: refused from the header, never decoded), and
  animated images — Kling animates one still picture and what it would do with frames is
  undocumented, so we ask for a single frame instead of paying for a surprise.
- **Warned** (Kling's own comfort zone): a side under 300 px, more than 10 MB, a shape
  beyond 1:2.5–2.5:1, CMYK colours.

What damage is caught, cheaply and without decoding pixels:

- PNG: `Image.verify()` walks every chunk up to IEND and checks each CRC, so truncation and
  flipped bytes are caught. Not caught: a zlib stream that is wrong yet CRC-consistent
  (a deliberately crafted file); the upstream decoder then fails the task.
- JPEG: Pillow's `verify()` checks nothing for JPEG, so we walk the marker structure
  (segment lengths, then each entropy-coded scan up to the next marker) and require the
  end-of-image marker: truncation anywhere is caught, trailing bytes after EOI are allowed.
  Not caught: bit errors inside entropy-coded data (they decode as visual glitches).
- WebP: the RIFF length must fit the file, and libwebp must parse the container at open.

Dimensions and EXIF orientation come from the header only (`Image.open` is lazy). The EXIF
orientation is read from what the header carries; a PNG `eXIf` chunk placed after the image
data is ignored, both here and in the preview, so the two always agree.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict

from modelhunter._image_bytes import (
    ImageSource,
    jpeg_damage,
    open_stream,
    read_source,
    source_name,
    webp_size,
)
from modelhunter._png_strips import decode_reduced, png_header

__all__ = [
    "ACCEPTED_FORMATS",
    "AspectRatio",
    "Framing",
    "ImageRejectedError",
    "ImageReport",
    "ImageSource",
    "MAX_BYTES",
    "MAX_PIXELS",
    "MB",
    "MIN_SIDE",
    "PREVIEW_MEMORY_BUDGET",
    "UploadPlan",
    "format_size",
    "framing",
    "framing_preview",
    "inspect_image",
    "make_preview",
    "to_upload",
]

AspectRatio = Literal["16:9", "9:16", "1:1"]

#: Pillow format name -> (MIME type, extension used for uploads).
ACCEPTED_FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "WEBP": ("image/webp", ".webp"),
}
#: One size unit everywhere (decimal, like the API's "50 MB" and the browser's upload box).
MB = 1_000_000
MAX_BYTES = 50 * MB
MIN_SIDE = 128
MAX_ASPECT = 4.0
#: Below Pillow's own DecompressionBombWarning threshold (~89.5 MP), so Pillow never warns
#: about an image we accept; a 48 MP phone photo passes.
MAX_PIXELS = 80_000_000
SOFT_MAX_BYTES = 10 * MB
SOFT_MIN_SIDE = 300
SOFT_MAX_ASPECT = 2.5
PREVIEW_QUALITY = 85
#: Most memory a preview may decode into (width × height × bytes per pixel). With the
#: thumbnail's own copies a preview stays well under 64 MB, whatever the image's size.
PREVIEW_MEMORY_BUDGET = 48 * MB
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}

# Pillow signals bad input through several exception types depending on the plugin; these
# are the ones its decoders and parsers raise (never a blanket `except Exception`).
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_REDO = "Re-export or download it again, then try again."
_RATIOS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
_BOMB_MESSAGE = (
    "This image claims a huge size (more than 80 megapixels) and was not opened, "
    "to keep the app safe. Resize it to under 80 megapixels and try again."
)


class ImageRejectedError(ValueError):
    """An image that cannot be previewed or uploaded; `message` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ImageReport(_Frozen):
    """What the preflight found. Width and height are as displayed (EXIF rotation applied)."""

    format: str | None
    content_type: str | None
    width: int | None
    height: int | None
    size_bytes: int
    orientation_applied: bool = False
    mode: str | None = None
    frames: int = 1
    errors: list[str] = []
    warnings: list[str] = []

    @property
    def ok(self) -> bool:
        """True when nothing blocks the upload (warnings may remain)."""
        return not self.errors


class Framing(_Frozen):
    """Centered cover-crop of a `width`×`height` image to an aspect ratio."""

    aspect_ratio: AspectRatio
    left: int
    top: int
    right: int
    bottom: int
    kept_fraction: float
    description: str


class UploadPlan(_Frozen):
    """What to declare when uploading: the true MIME type and a matching file name."""

    content_type: str
    filename: str
    size_bytes: int


def _damage(data: bytes, fmt: str) -> str | None:
    """Why a file of a known accepted format is damaged, or None (see module docstring)."""
    if fmt == "JPEG":
        return jpeg_damage(data)
    if fmt == "WEBP" and int.from_bytes(data[4:8], "little") + 8 > len(data):
        return "the file ends before the picture is complete"
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except _PIL_ERRORS as exc:
        if "truncat" in str(exc).lower() or isinstance(exc, EOFError):
            return "the file ends before the picture is complete"
        return "its data fails an integrity check"
    return None


def _orientation(im: Image.Image) -> int:
    raw = im.info.get("exif")
    if not raw:
        return 1
    exif = Image.Exif()
    try:
        exif.load(raw)
    except _PIL_ERRORS:
        return 1
    value = exif.get(_ORIENTATION_TAG, 1)
    return value if value in _TRANSPOSE else 1


def _signature(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def _shape(w: int, h: int) -> str:
    return f"{w / h:.1f}:1" if w >= h else f"1:{h / w:.1f}"


def format_size(size: int) -> str:
    """A size for people: `46.0 MB`, `850 KB`; a whole number of MB as a limit reads: `50 MB`.

    The one formatter for file sizes and size limits shown anywhere in the app, in decimal
    units like the API's "50 MB" and the browser's upload box (1 MB = 1,000,000 bytes).
    """
    if size < 1000:
        return f"{size} bytes"
    if round(size / 1000) < 1000:
        return f"{size / 1000:.0f} KB"
    return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"


def _kind_named(suffix: str) -> str:
    return f", even though it is named {suffix}" if suffix else ""


# --- public API ---------------------------------------------------------------------------


def inspect_image(source: ImageSource, *, filename: str = "") -> ImageReport:
    """Check an image against the upload rules without decoding its pixels.

    `source` is the raw bytes, a binary stream (read from its current position, which is
    restored) or a path. Never raises for bad images: problems are in `errors`/`warnings`.

    Raises:
        OSError: the path or stream itself cannot be read.
    """
    data, size = read_source(source, MAX_BYTES)
    suffix = Path(source_name(source, filename)).suffix.lower()
    report = {"format": None, "content_type": None, "width": None, "height": None}
    errors: list[str] = []
    warnings: list[str] = []

    def done() -> ImageReport:
        return ImageReport(**report, size_bytes=size, errors=errors, warnings=warnings)

    if size == 0:
        errors.append("This file is empty (0 bytes). Choose the picture again.")
        return done()
    if size > MAX_BYTES:
        errors.append(
            f"This file is {format_size(size)}; the limit is {format_size(MAX_BYTES)}. "
            "Save it smaller (for example as a JPEG) and try again."
        )

    if data is None and not isinstance(source, Path) and not source.seekable():
        return done()  # an oversized one-way stream: the size error is all we can say
    with open_stream(source, data) as fh:
        head = fh.read(30)
        fh.seek(-len(head), io.SEEK_CUR)
        webp = webp_size(head)
        if webp and webp[0] * webp[1] > MAX_PIXELS:
            errors.append(_BOMB_MESSAGE)
            report.update(format="WEBP", content_type="image/webp")
            return done()
        try:
            with Image.open(fh) as im:
                fmt, (w, h), mode = im.format, im.size, im.mode
                frames = getattr(im, "n_frames", 1)
                if fmt == "MPO":  # a camera JPEG with extra embedded pictures (depth, preview)
                    fmt, frames = "JPEG", 1
                orientation = _orientation(im)
        except _BOMB_ERRORS:
            errors.append(_BOMB_MESSAGE)
            return done()
        except UnidentifiedImageError:
            if claimed := _signature(head):  # starts like one of ours, then breaks
                errors.append(f"This {claimed} file is damaged and cannot be opened. {_REDO}")
            else:
                errors.append(
                    f"This file is not an image{_kind_named(suffix)}. "
                    "Choose a PNG, JPEG or WebP picture."
                )
            return done()
        except _PIL_ERRORS:
            errors.append(f"This file is damaged and cannot be opened as a picture. {_REDO}")
            return done()

    swapped = orientation in (5, 6, 7, 8)
    width, height = (h, w) if swapped else (w, h)
    accepted = ACCEPTED_FORMATS.get(fmt or "")
    report.update(
        format=fmt,
        content_type=accepted[0] if accepted else Image.MIME.get(fmt or ""),
        width=width,
        height=height,
        orientation_applied=orientation != 1,
        mode=mode,
        frames=frames,
    )
    if accepted is None:
        misnamed = _kind_named(suffix) if suffix not in ("", f".{(fmt or '').lower()}") else ""
        errors.append(
            f"This file is a {fmt} image{misnamed}. Kling accepts only PNG, JPEG or WebP: "
            "convert it (for example, export it as PNG) and try again."
        )
        return done()
    if w * h > MAX_PIXELS:
        errors.append(
            f"This image is {width} × {height} pixels ({w * h / 1e6:.1f} megapixels); the limit "
            "is 80 megapixels. Resize it and try again."
        )
        return done()
    if data is not None and (damage := _damage(data, fmt or "")):
        errors.append(f"This {fmt} file is damaged: {damage}. {_REDO}")
        return done()
    if frames > 1:
        errors.append(
            f"This image is animated ({frames} frames); Kling needs a still picture. "
            "Export a single frame as PNG or JPEG."
        )
    _check_geometry(width, height, errors, warnings)
    if MAX_BYTES >= size > SOFT_MAX_BYTES:
        warnings.append(
            f"This file is {format_size(size)}; Kling prefers images under "
            f"{format_size(SOFT_MAX_BYTES)}, so the task may fail. A smaller JPEG is safer."
        )
    if mode == "CMYK":
        warnings.append(
            "This JPEG uses print (CMYK) colours, which may shift in the video. "
            "Save it as RGB for exact colours."
        )
    return done()


def _check_geometry(w: int, h: int, errors: list[str], warnings: list[str]) -> None:
    if min(w, h) < MIN_SIDE:
        errors.append(
            f"This image is {w} × {h} pixels; both sides must be at least {MIN_SIDE} pixels. "
            "Use a larger image."
        )
    elif min(w, h) < SOFT_MIN_SIDE:
        warnings.append(
            f"This image is small ({w} × {h} pixels); Kling works best with at least "
            f"{SOFT_MIN_SIDE} pixels on each side, so the video may look blurry."
        )
    ratio = max(w, h) / min(w, h) if min(w, h) else float("inf")
    if ratio > MAX_ASPECT:
        errors.append(
            f"This image is {w} × {h} pixels, a {_shape(w, h)} shape; the limit is 4:1 "
            "(or 1:4). Crop it to a less extreme shape."
        )
    elif ratio > SOFT_MAX_ASPECT:
        warnings.append(
            f"This image's shape ({_shape(w, h)}) is outside Kling's preferred range "
            "(1:2.5 to 2.5:1); the task may be rejected."
        )


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


def _too_big_to_preview(w: int, h: int) -> ImageRejectedError:
    return ImageRejectedError(
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
    a strip at a time and reduced as they go (`modelhunter._png_strips`); larger WebP and
    interlaced PNG files get no preview. The first frame of animations is used.

    Raises:
        ImageRejectedError: the file is empty, not an image, damaged, too large to open
            safely (over 80 megapixels — never decoded) or too large to preview within the
            memory budget.
    """
    data, _ = read_source(source, MAX_BYTES)
    if data is None:
        raise ImageRejectedError(
            f"This file is over {format_size(MAX_BYTES)}, so no preview can be made."
        )
    if not data:
        raise ImageRejectedError("This file is empty, so no preview can be made.")
    webp = webp_size(data[:30])
    try:
        if webp and webp[0] * webp[1] > MAX_PIXELS:
            raise Image.DecompressionBombError
        if webp and webp[0] * webp[1] * 4 > PREVIEW_MEMORY_BUDGET:  # decoded at open, RGBA
            raise _too_big_to_preview(*webp)
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise Image.DecompressionBombError
            orientation = _orientation(im)
            if im.format in ("JPEG", "MPO"):
                if _jpeg_scan_bytes(im) > PREVIEW_MEMORY_BUDGET:
                    raise _too_big_to_preview(im.width, im.height)
                im.draft("RGB", (max_side, max_side))
            png = png_header(data) if im.format == "PNG" else None
            per_pixel = max(_pixel_bytes(im.mode), png.raw_pixel_bytes if png else 0)
            if im.width * im.height * per_pixel <= PREVIEW_MEMORY_BUDGET:
                im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
                im.load()  # thumbnail() leaves small images undecoded; decode before closing
                out = _to_rgb(im)
            elif png is None or png.interlaced:
                raise _too_big_to_preview(im.width, im.height)
            else:
                factor = _reduce_factor(im.width, im.height, max_side)
                out = decode_reduced(data, png, factor)
                out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = _to_rgb(out)
    except ImageRejectedError:
        raise
    except _BOMB_ERRORS as exc:
        raise ImageRejectedError(_BOMB_MESSAGE) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejectedError("This file is not an image, so no preview can be made.") from exc
    except (*_PIL_ERRORS, zlib.error) as exc:
        raise ImageRejectedError(
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
        ImageRejectedError: `preview_jpeg` is not a readable image.
    """
    try:
        with Image.open(io.BytesIO(preview_jpeg)) as im:
            im.load()
            base = _to_rgb(im)
    except _PIL_ERRORS as exc:
        raise ImageRejectedError("The preview could not be read.") from exc
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


_UNSAFE_NAME = re.compile(r"[^\w. -]+")  # keeps letters of any script


def to_upload(source: ImageSource, *, filename: str) -> UploadPlan:
    """The MIME type and file name to declare for an upload, from the detected content.

    The name keeps the user's stem (unsafe characters replaced) with the extension of the
    real format: `photo.png` holding a JPEG is uploaded as `photo.jpg`, `image/jpeg`.

    Raises:
        ImageRejectedError: the image is blocked by `inspect_image` (first error given).
    """
    report = inspect_image(source, filename=filename)
    if not report.ok or report.format is None:
        raise ImageRejectedError(report.errors[0])
    mime, ext = ACCEPTED_FORMATS[report.format]
    stem = _UNSAFE_NAME.sub("_", Path(filename.replace("\\", "/")).stem).strip(" ._")[:100]
    return UploadPlan(
        content_type=mime, filename=f"{stem or 'image'}{ext}", size_bytes=report.size_bytes
    )
