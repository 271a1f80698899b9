"""Decode a large PNG a strip of rows at a time, reduced, so memory stays small.

Pillow decodes a PNG into one full-size image (an 8000×8000 16-bit RGBA file takes over
500 MB while it is decoded). Here the zlib stream is inflated a few megabytes at a time;
each strip of filtered rows is wrapped in a small PNG of its own and decoded by Pillow, then
reduced by an integer factor and pasted into the (small) result.

Two facts make this exact:

- PNG filters predict each row from the row above, so a strip's small PNG starts with the
  previous strip's last row, unfiltered (filter type 0), and that row is dropped again.
- Filters work byte by byte, each byte only with the same byte of the pixel to the left and
  the row above. So the high bytes of a 16-bit image form a valid 8-bit image on their own:
  keeping them is the 16-to-8-bit conversion a preview needs anyway (a 16-bit colour key in
  tRNS is dropped: transparent pixels then show their colour).

Interlaced (Adam7) files do not store rows in order and are not handled here.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from PIL import Image

__all__ = ["PngHeader", "decode_reduced", "png_header"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
#: Inflated bytes handled per strip (the strip's other copies are of the same order).
STRIP_BYTES = 2_000_000


class PngHeader(NamedTuple):
    """What IHDR says, plus the chunks a strip needs to be decoded the same way."""

    width: int
    height: int
    depth: int
    colour_type: int
    interlaced: bool
    palette: bytes | None
    transparency: bytes | None

    @property
    def raw_pixel_bytes(self) -> float:
        """Bytes one pixel takes once inflated (16-bit RGBA: 8)."""
        return _CHANNELS.get(self.colour_type, 4) * self.depth / 8


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = len(_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def png_header(data: bytes) -> PngHeader | None:
    """The header of a PNG (None when `data` is not a PNG with a readable IHDR)."""
    if not data.startswith(_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 33:
        return None
    w, h, depth, ctype, _comp, _filter, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if ctype not in _CHANNELS:
        return None
    palette = transparency = None
    for kind, body in _chunks(data):
        if kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind in (b"IDAT", b"IEND"):
            break
    return PngHeader(w, h, depth, ctype, interlace == 1, palette, transparency)


def _idat(data: bytes) -> Iterator[bytes]:
    seen = False
    for kind, body in _chunks(data):
        if kind == b"IDAT":
            seen = True
            yield body
        elif seen:
            return


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _strip_png(header: PngHeader, depth: int, rows: int, filtered: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", header.width, rows, depth, header.colour_type, 0, 0, 0)
    extra = b""
    if header.palette is not None:
        extra += _chunk(b"PLTE", header.palette)
    if header.transparency is not None and header.depth <= 8:
        extra += _chunk(b"tRNS", header.transparency)
    return (
        _SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", zlib.compress(filtered, 0))
        + _chunk(b"IEND", b"")
    )


def decode_reduced(data: bytes, header: PngHeader, factor: int) -> Image.Image:
    """The PNG reduced `factor` times on both sides (box average, as `Image.reduce`).

    Raises:
        ValueError: the file is interlaced, or its image data is damaged or cut short.
    """
    if header.interlaced:
        raise ValueError("interlaced PNGs are decoded whole")
    w, h = header.width, header.height
    depth = min(header.depth, 8)
    row_in = 1 + (w * _CHANNELS[header.colour_type] * header.depth + 7) // 8
    strip_rows = factor * max(1, STRIP_BYTES // (row_in * factor))
    chunks = _idat(data)
    inflater = zlib.decompressobj()
    out: Image.Image | None = None
    seed: bytes | None = None
    for top in range(0, h, strip_rows):
        rows = min(strip_rows, h - top)
        raw = _inflate(inflater, chunks, rows * row_in)
        lines = [raw[i * row_in : (i + 1) * row_in] for i in range(rows)]
        if header.depth == 16:
            lines = [line[:1] + line[1::2] for line in lines]
        if seed is not None:
            lines.insert(0, b"\x00" + seed)
        with Image.open(io.BytesIO(_strip_png(header, depth, len(lines), b"".join(lines)))) as im:
            rawmode = str(im.tile[0].args)
            im.load()
            strip = im.crop((0, len(lines) - rows, w, len(lines)))
        seed = strip.crop((0, rows - 1, w, rows)).tobytes("raw", rawmode)
        if strip.mode in ("1", "P"):
            strip = strip.convert("RGBA" if strip.mode == "P" else "L")
        elif "transparency" in strip.info:
            strip = strip.convert("RGBA" if strip.mode == "RGB" else "LA")
        small = strip.reduce(factor)
        if out is None:
            out = Image.new(small.mode, (-(-w // factor), -(-h // factor)))
        out.paste(small, (0, top // factor))
    assert out is not None
    return out


def _inflate(inflater: zlib._Decompress, chunks: Iterator[bytes], size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        source = inflater.unconsumed_tail or next(chunks, b"")
        if not source or inflater.eof:
            raise ValueError("the image data ends early")
        buf += inflater.decompress(source, size - len(buf))
    return bytes(buf)
