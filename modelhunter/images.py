"""Image preflight with Pillow: what a client checks before uploading a start/end image.

Previews and the framing overlay are the app's (`playground.preview`); this module only
reads headers and structure, never decodes pixels.

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
data is ignored, both here and in the app's preview (`exif_orientation`), so the two
always agree.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict

from modelhunter._image_bytes import (
    ImageSource,
    jpeg_damage,
    open_stream,
    read_source,
    source_name,
    webp_size,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "BOMB_ERRORS",
    "BOMB_MESSAGE",
    "EXTENSION_FOR_TYPE",
    "ImageReport",
    "ImageSource",
    "MAX_BYTES",
    "MAX_PIXELS",
    "MB",
    "MIN_SIDE",
    "PIL_ERRORS",
    "exif_orientation",
    "format_size",
    "inspect_image",
    "read_source",
    "webp_size",
]

#: Pillow format name -> (MIME type, extension used for uploads).
ACCEPTED_FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "WEBP": ("image/webp", ".webp"),
}
#: MIME type -> extension, for files kept under their detected type.
EXTENSION_FOR_TYPE: dict[str, str] = dict(ACCEPTED_FORMATS.values())
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

# Pillow signals bad input through several exception types depending on the plugin; these
# are the ones its decoders and parsers raise (never a blanket `except Exception`).
PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)
#: What Pillow raises for an image over its pixel limit (never decoded).
BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_ORIENTATION_TAG = 0x0112
_REDO = "Re-export or download it again, then try again."
BOMB_MESSAGE = (
    "This image claims a huge size (more than 80 megapixels) and was not opened, "
    "to keep the app safe. Resize it to under 80 megapixels and try again."
)


class ImageReport(BaseModel):
    """What the preflight found. Width and height are as displayed (EXIF rotation applied)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


def _damage(data: bytes, fmt: str) -> str | None:
    """Why a file of a known accepted format is damaged, or None (see module docstring)."""
    if fmt == "JPEG":
        return jpeg_damage(data)
    if fmt == "WEBP" and int.from_bytes(data[4:8], "little") + 8 > len(data):
        return "the file ends before the picture is complete"
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except PIL_ERRORS as exc:
        if "truncat" in str(exc).lower() or isinstance(exc, EOFError):
            return "the file ends before the picture is complete"
        return "its data fails an integrity check"
    return None


def exif_orientation(im: Image.Image) -> int:
    """The EXIF orientation (1–8) the header carries; 1 when there is none or it is unreadable."""
    raw = im.info.get("exif")
    if not raw:
        return 1
    exif = Image.Exif()
    try:
        exif.load(raw)
    except PIL_ERRORS:
        return 1
    value = exif.get(_ORIENTATION_TAG, 1)
    return value if value in range(2, 9) else 1


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
            errors.append(BOMB_MESSAGE)
            report.update(format="WEBP", content_type="image/webp")
            return done()
        try:
            with Image.open(fh) as im:
                fmt, (w, h), mode = im.format, im.size, im.mode
                frames = getattr(im, "n_frames", 1)
                if fmt == "MPO":  # a camera JPEG with extra embedded pictures (depth, preview)
                    fmt, frames = "JPEG", 1
                orientation = exif_orientation(im)
        except BOMB_ERRORS:
            errors.append(BOMB_MESSAGE)
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
        except PIL_ERRORS:
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
