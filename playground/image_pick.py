"""Accepting an image the user gave (a file or a URL): check it, fetch it, or say why not.

The image input component only reads the widget and shows the outcome; the rules — which
addresses are tried, what the API would refuse, when an unchecked URL is let through — are
here, and `Session.take_image` applies the outcome to the draft.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from modelhunter import images
from playground.draft import ImageChoice
from playground.remote_image import RemoteImageError, fetch_image

__all__ = ["Picked", "pick_upload", "pick_url"]

_NOT_A_URL = "Give a full http(s):// address of a public image."


@dataclass(frozen=True)
class Picked:
    """The outcome: a choice for the draft (with its bytes when we have them), or errors."""

    choice: ImageChoice | None = None
    data: bytes | None = None
    errors: list[str] = field(default_factory=list)
    note: str | None = None  # e.g. a URL let through unchecked


def _checked(data: bytes, name: str, url: str | None) -> Picked:
    report = images.inspect_image(data, filename=name)
    if not report.ok:
        return Picked(errors=list(report.errors))
    choice = ImageChoice(
        kind="url" if url else "upload",
        name=name,
        url=url,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=report.content_type,
    )
    return Picked(choice=choice, data=data)


def pick_upload(data: bytes, name: str) -> Picked:
    """A file from the uploader: kept when the API would take it."""
    return _checked(data, name, None)


def pick_url(url: str, *, fetch: Callable[[str], bytes] = fetch_image) -> Picked:
    """An address: fetched (SSRF-safe) and checked like a file.

    When it cannot be checked for a passing reason (e.g. offline), it is let through with a
    note: ModelHunter fetches the image itself.
    """
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return Picked(errors=[_NOT_A_URL])
    name = url.rsplit("/", 1)[-1] or "image"
    try:
        data = fetch(url)
    except RemoteImageError as exc:
        if getattr(exc, "blocking", True):
            return Picked(errors=[str(exc)])
        note = (
            f"Not checked: {exc} ModelHunter fetches the image itself; the offline Demo "
            "backend cannot, and animates a stand-in picture instead."
        )
        return Picked(choice=ImageChoice(kind="url", name=name, url=url), note=note)
    return _checked(data, name, url)
