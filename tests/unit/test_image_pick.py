"""Accepting a picked image: what the API would take is kept, the rest is refused in words."""

from __future__ import annotations

import io

from PIL import Image

from playground.image_pick import pick_upload, pick_url
from playground.remote_image import RemoteImageError


def _png(side: int = 256) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def test_a_good_upload_is_kept_with_its_bytes_and_type() -> None:
    picked = pick_upload(_png(), "cat.png")
    assert picked.choice is not None and picked.choice.kind == "upload"
    assert picked.choice.content_type == "image/png" and picked.data == _png()
    assert not picked.errors


def test_an_image_the_api_refuses_is_refused_with_its_reason() -> None:
    picked = pick_upload(_png(side=64), "tiny.png")
    assert picked.choice is None and any("128" in e for e in picked.errors)


def test_an_address_that_is_not_http_is_refused_without_fetching() -> None:
    fetched: list[str] = []
    picked = pick_url("ftp://example.com/a.png", fetch=lambda u: fetched.append(u) or b"")
    assert picked.errors and not fetched


def test_a_url_is_fetched_and_checked_like_a_file() -> None:
    picked = pick_url(" https://images.example.com/sea.png ", fetch=lambda u: _png())
    assert picked.choice is not None and picked.choice.kind == "url"
    assert picked.choice.url == "https://images.example.com/sea.png"
    assert picked.choice.name == "sea.png" and picked.data is not None


def test_a_url_that_cannot_be_checked_for_now_goes_through_with_a_note() -> None:
    def offline(url: str) -> bytes:
        raise RemoteImageError("No connection.", blocking=False)

    picked = pick_url("https://images.example.com/sea.png", fetch=offline)
    assert picked.choice is not None and picked.data is None
    assert picked.note and "Not checked" in picked.note


def test_a_refused_url_is_refused() -> None:
    def private(url: str) -> bytes:
        raise RemoteImageError("That address is private.")

    picked = pick_url("https://10.0.0.1/a.png", fetch=private)
    assert picked.choice is None and picked.errors == ["That address is private."]
