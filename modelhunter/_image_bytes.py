"""Byte-level helpers for `modelhunter.images`: reading a source, and header/structure
checks that Pillow does not do (or does only after allocating memory)."""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["ImageSource", "jpeg_damage", "open_stream", "read_source", "source_name", "webp_size"]

ImageSource = bytes | BinaryIO | Path


def read_source(source: ImageSource, limit: int) -> tuple[bytes | None, int]:
    """The bytes (None when over `limit`, so huge files are never held) and the size.

    A stream is read from its current position, which is restored when it can seek.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return data, len(data)
    if isinstance(source, Path):
        size = source.stat().st_size
        return (source.read_bytes() if size <= limit else None), size
    start = source.tell() if source.seekable() else 0
    data = source.read(limit + 1)
    if len(data) <= limit:
        size = len(data)
    elif source.seekable():
        size = source.seek(0, io.SEEK_END) - start
        data = None
    else:
        size, data = len(data), None
    if source.seekable():
        source.seek(start)
    return data, size


@contextmanager
def open_stream(source: ImageSource, data: bytes | None) -> Iterator[BinaryIO]:
    """A readable stream over the image: the bytes when held, else the path or the stream."""
    if data is not None:
        yield io.BytesIO(data)
    elif isinstance(source, Path):
        with source.open("rb") as fh:
            yield fh
    else:
        assert not isinstance(source, bytes | bytearray | memoryview)
        start = source.tell() if source.seekable() else 0
        try:
            yield source
        finally:
            if source.seekable():
                source.seek(start)


def source_name(source: ImageSource, filename: str) -> str:
    if filename:
        return filename
    if isinstance(source, Path):
        return source.name
    return str(getattr(source, "name", "") or "")


def webp_size(head: bytes) -> tuple[int, int] | None:
    """Canvas size from a WebP header (libwebp allocates it at open, so check it first)."""
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def jpeg_damage(data: bytes) -> str | None:
    """Walk the JPEG markers; a reason in plain words when the file is cut short or broken."""
    cut = "the file ends before the picture is complete"
    pos, end = 2, len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0:
            return cut
        while pos < end and data[pos] == 0xFF:
            pos += 1
        if pos >= end:
            return cut
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return None
        if marker in _STANDALONE:
            continue
        if pos + 2 > end:
            return cut
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return "its internal structure is broken"
        pos += length
        if pos > end:
            return cut
        if marker == 0xDA:
            match = _SCAN_END.search(data, pos)
            if match is None:
                return cut
            pos = match.start()
