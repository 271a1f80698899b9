"""Helpers for streaming files to presigned storage and results to disk.

Bodies are read and written in `TRANSFER_CHUNK_SIZE` pieces, never whole, so a 50 MB image or
a long video does not sit in memory.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from .errors import TransferError

__all__ = ["TRANSFER_CHUNK_SIZE", "UploadSource", "read_chunks", "require_http_url"]

TRANSFER_CHUNK_SIZE = 256 * 1024


@dataclass(frozen=True)
class UploadSource:
    """A file object with what `POST /files/upload-url` needs to know about it.

    `start` is where the bytes begin if the file can be rewound (so a PUT can be retried),
    else None.
    """

    handle: BinaryIO
    filename: str
    content_type: str
    size_bytes: int
    start: int | None

    @classmethod
    def describe(
        cls,
        handle: BinaryIO,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        size_bytes: int | None = None,
    ) -> UploadSource:
        """Fill in name, type and size from the file object where not given.

        Raises:
            ValueError: one of them cannot be determined.
        """
        name = filename or Path(str(getattr(handle, "name", "") or "")).name
        if not name:
            raise ValueError("filename is required when uploading from a file object.")
        ctype = content_type or mimetypes.guess_type(name)[0]
        if not ctype:
            raise ValueError(f"content_type is required: it cannot be guessed from {name!r}.")
        start = handle.tell() if _seekable(handle) else None
        if size_bytes is None:
            if start is None:
                raise ValueError("size_bytes is required for a file object that cannot seek.")
            size_bytes = handle.seek(0, os.SEEK_END) - start
            handle.seek(start)
        return cls(handle, name, ctype, size_bytes, start)

    def chunks(self) -> Iterator[bytes]:
        """The bytes from `start`, rewinding first when possible (one call per attempt)."""
        if self.start is not None:
            self.handle.seek(self.start)
        return read_chunks(self.handle, self.size_bytes)


def read_chunks(source: BinaryIO, size: int) -> Iterator[bytes]:
    """Exactly `size` bytes from `source`, in chunks, without holding the file in memory.

    Raises:
        TransferError: the file ends before `size` bytes.
    """
    remaining = size
    while remaining > 0:
        chunk = source.read(min(TRANSFER_CHUNK_SIZE, remaining))
        if not chunk:
            raise TransferError(
                f"The file ended {remaining} bytes short of its declared size {size}.",
                direction="upload",
            )
        remaining -= len(chunk)
        yield chunk


def require_http_url(url: str) -> None:
    """Refuse anything but http(s) for uploads and downloads (no file:, no data:)."""
    if httpx.URL(url).scheme not in ("http", "https"):
        raise ValueError("Only http(s) addresses can be uploaded to or downloaded from.")


def _seekable(handle: BinaryIO) -> bool:
    try:
        return handle.seekable()
    except (AttributeError, ValueError):
        return False
