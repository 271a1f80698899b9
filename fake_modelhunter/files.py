"""Uploaded files of the fake: the upload-url request, stored bytes and image checks (§5).

Limits follow contract §5 and §12: any upload up to 100 MB of the listed types; images must
be PNG/JPEG/WebP, at most 50 MB, at least 128 px a side and no more elongated than 4:1.
Images are only opened and verified (headers and structure), never fully decoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image

from fake_modelhunter.replies import ServiceError, iso

__all__ = [
    "CONTENT_TYPES",
    "FileRecord",
    "MAX_IMAGE_BYTES",
    "MAX_UPLOAD_BYTES",
    "image_problem",
    "parse_upload_request",
]

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 100 * MB
MAX_IMAGE_BYTES = 50 * MB
MIN_SIDE = 128
MAX_ASPECT = 4.0
CONTENT_TYPES: dict[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "audio/mpeg": "mp3",
}
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")


@dataclass
class FileRecord:
    """One file: announced by upload-url, filled by the storage PUT, published by complete."""

    id: str
    owner: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime
    data: bytes | None = None
    completed: bool = False

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def cdn_path(self) -> str:
        return f"/files/{self.id}.{CONTENT_TYPES[self.content_type]}"

    def to_json(self, cdn: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"{cdn}{self.cdn_path}",
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "created_at": iso(self.created_at),
        }


def _invalid(problems: list[tuple[str, str]]) -> ServiceError:
    field, reason = problems[0]
    return ServiceError(
        400,
        "VALIDATION_ERROR",
        reason,
        details={
            "field": field,
            "reason": reason,
            "errors": [{"field": f, "reason": r} for f, r in problems],
        },
    )


def parse_upload_request(body: Any) -> tuple[str, str, int]:
    """`(filename, content_type, size_bytes)` of a `POST /files/upload-url` body.

    Raises:
        ServiceError: 400 `VALIDATION_ERROR` for missing/wrong fields or an unsupported type,
            422 `FILE_TOO_LARGE` over 100 MB.
    """
    if not isinstance(body, dict):
        raise ServiceError(400, "INVALID_PARAMETER", "The request body must be a JSON object")
    problems: list[tuple[str, str]] = []
    filename = body.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        problems.append(("filename", "filename is required: the file's name, e.g. photo.jpg"))
        filename = ""
    elif len(filename) > 255:
        problems.append(("filename", "filename must be at most 255 characters"))
    raw_type = body.get("contentType")
    content_type = raw_type.split(";")[0].strip().lower() if isinstance(raw_type, str) else ""
    if not content_type:
        problems.append(("contentType", "contentType is required, e.g. image/jpeg"))
    elif content_type not in CONTENT_TYPES:
        problems.append(
            (
                "contentType",
                f"Unsupported contentType '{content_type[:60]}': use " + ", ".join(CONTENT_TYPES),
            )
        )
    raw_size = body.get("sizeBytes")
    size = 0
    if isinstance(raw_size, int | float) and not isinstance(raw_size, bool):
        size = int(raw_size) if float(raw_size).is_integer() else 0
    if size <= 0:
        problems.append(("sizeBytes", "sizeBytes must be the file size in bytes (above 0)"))
    if problems:
        raise _invalid(problems)
    if size > MAX_UPLOAD_BYTES:
        raise ServiceError(422, "FILE_TOO_LARGE", "File size exceeds the 100 MB limit")
    return filename.strip(), content_type, size


def image_problem(data: bytes) -> str | None:
    """Why the platform would refuse these image bytes, in plain words; None when fine."""
    if len(data) > MAX_IMAGE_BYTES:
        return "Images can be at most 50 MB: make the image smaller and upload it again."
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as img:
            width, height = img.size
            if width * height > Image.MAX_IMAGE_PIXELS:
                return f"The image has too many pixels ({width}×{height}); scale it down."
            img.verify()
    except Image.DecompressionBombError:
        return "The image has too many pixels; scale it down."
    except (OSError, SyntaxError, ValueError, EOFError):
        return "The file is not a readable PNG, JPEG or WebP image."
    if min(width, height) < MIN_SIDE:
        return f"The image is {width}×{height} px; it must be at least {MIN_SIDE} px on each side."
    if max(width, height) / min(width, height) > MAX_ASPECT:
        return (
            f"The image is {width}×{height} px, more elongated than 4:1; crop it closer "
            "to the video's shape."
        )
    return None
